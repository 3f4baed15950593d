using System;
using System.Buffers;
using System.Threading;
#if NET9_0_OR_GREATER
using Gate = System.Threading.Lock;
#else
using Gate = System.Object;
#endif

namespace SessionGuard.Audio;

/// <summary>
/// Fixed-size memory blocks for <see cref="AudioRingBuffer"/>s, carved from the pool's own slabs (never
/// <see cref="ArrayPool{T}.Shared"/>), under a global byte budget. <see cref="Shared"/> serves the whole process;
/// construct an instance to isolate a group of buffers. Blocks rented, free and allocated are reported as
/// observable gauges on the <c>SessionGuard</c> meter, tagged <c>pool</c> with <see cref="Name"/> and
/// <c>block_size</c>.
/// </summary>
/// <remarks>
/// <para>Two size classes: blocks of <see cref="BlockSize"/> for the common short frames, and, when
/// <see cref="LargeBlockSize"/> is set, large blocks a ring takes for a chunk that would span more than
/// <see cref="LargeChunkBlocks"/> small blocks (a 32 KB chunk is one copy into a 64 KB block, not eight into 4 KB
/// blocks). Both classes share the one byte budget.</para>
/// <para>Thread-safe. A slab is released by <see cref="Trim"/> once every block carved from it is free.</para>
/// </remarks>
public sealed partial class AudioBlockPool : IDisposable
{
    // This file: the public surface, construction and disposal. Renting and returning blocks are in
    // AudioBlockPool.Renting.cs, the budget's shares among the rings and taking memory back in .Sharing.cs, the size
    // classes and their slabs in .Slabs.cs, trimming in .Trimming.cs and the gauges in .Metrics.cs; the block itself
    // is AudioBlock.

    /// <summary>The default <see cref="BlockSize"/>: 4 KB.</summary>
    public const int DefaultBlockSize = 4096;

    /// <summary>The default number of blocks carved from one slab: 16.</summary>
    public const int DefaultBlocksPerSlab = 16;

    /// <summary>The default <see cref="MaxBytes"/>: 1 GB.</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>The <see cref="LargeBlockSize"/> of <see cref="Shared"/>: 64 KB, the default
    /// <see cref="AudioRingBufferOptions.MaxChunkBytes"/>.</summary>
    public const int SharedLargeBlockSize = 64 * 1024;

    /// <summary>A chunk that needs more than this many blocks of <see cref="BlockSize"/> goes to large blocks,
    /// when the pool has them: 4.</summary>
    public const int LargeChunkBlocks = 4;

    /// <summary>Blocks handed out now (observable gauge).</summary>
    public const string BlocksRentedMetric = "sessionguard.audio.blocks.rented";

    /// <summary>Blocks allocated and free in the pool now (observable gauge).</summary>
    public const string BlocksFreeMetric = "sessionguard.audio.blocks.free";

    /// <summary>Blocks allocated now, rented or free (observable gauge).</summary>
    public const string BlocksAllocatedMetric = "sessionguard.audio.blocks.allocated";

    private static readonly Lazy<AudioBlockPool> s_shared = new(CreateShared);

    private readonly Gate _lock = new();

    private readonly SizeClass _small;
    private readonly SizeClass? _large;
    private bool _disposed;

    /// <summary>The pool was disposed.</summary>
    internal bool IsDisposed => Volatile.Read(ref _disposed);

    /// <summary>Creates a pool.</summary>
    /// <param name="blockSize">Bytes per block, at least 64.</param>
    /// <param name="blocksPerSlab">Blocks carved from one slab allocation, at least 1.</param>
    /// <param name="maxBytes">Most bytes of slabs allocated at once; at least one slab.</param>
    /// <param name="name">The <c>pool</c> tag of the pool's metrics.</param>
    /// <param name="largeBlockSize">Bytes per large block, for chunks longer than <see cref="LargeChunkBlocks"/>
    /// blocks; 0 (the default) for none. When set, at least <c>2 * blockSize</c>. A large slab carves as many large
    /// blocks as fit in one small slab, at least one.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range; the exception names it.</exception>
    public AudioBlockPool(int blockSize = DefaultBlockSize, int blocksPerSlab = DefaultBlocksPerSlab, long maxBytes = DefaultMaxBytes, string name = "pool", int largeBlockSize = 0)
    {
        if (blockSize < 64)
        {
            AudioThrowHelper.ThrowArgumentOutOfRange_BlockSize(blockSize);
        }

        if (blocksPerSlab < 1 || (long)blocksPerSlab * blockSize > Array.MaxLength)
        {
            AudioThrowHelper.ThrowArgumentOutOfRange_BlocksPerSlab(blocksPerSlab);
        }

        if (largeBlockSize != 0 && (largeBlockSize < 2L * blockSize || largeBlockSize > Array.MaxLength))
        {
            AudioThrowHelper.ThrowArgumentOutOfRange_LargeBlockSize(largeBlockSize);
        }

        long smallSlab = (long)blockSize * blocksPerSlab;
        int largePerSlab = largeBlockSize == 0 ? 0 : (int)Math.Max(1, smallSlab / largeBlockSize);
        if (maxBytes < Math.Max(smallSlab, (long)largeBlockSize * largePerSlab))
        {
            AudioThrowHelper.ThrowArgumentOutOfRange_PoolMaxBytes(maxBytes);
        }

        ArgumentNullException.ThrowIfNull(name);
        BlockSize = blockSize;
        BlocksPerSlab = blocksPerSlab;
        LargeBlockSize = largeBlockSize;
        MaxBytes = maxBytes;
        Name = name;
        _small = new SizeClass(blockSize, blocksPerSlab);
        _large = largeBlockSize == 0 ? null : new SizeClass(largeBlockSize, largePerSlab);
        lock (s_poolsLock)
        {
            s_pools.RemoveAll(static w => !w.TryGetTarget(out _));
            s_pools.Add(new WeakReference<AudioBlockPool>(this));
        }
    }

    /// <summary>The process-wide pool (4 KB blocks, 64 KB large blocks, 1 GB budget); it calls <see cref="TrimIdle"/>
    /// every minute.</summary>
    public static AudioBlockPool Shared => s_shared.Value;

    /// <summary>Bytes per block.</summary>
    public int BlockSize { get; }

    /// <summary>Bytes per large block; 0 when the pool has none.</summary>
    public int LargeBlockSize { get; }

    /// <summary>Blocks carved from one slab.</summary>
    public int BlocksPerSlab { get; }

    /// <summary>The byte budget: most bytes of slabs allocated at once.</summary>
    public long MaxBytes { get; }

    /// <summary>The <c>pool</c> tag of this pool's metrics.</summary>
    public string Name { get; }

    /// <summary>Blocks handed out now, large ones included.</summary>
    public long RentedBlocks
    {
        get
        {
            lock (_lock)
            {
                return _small.Rented + (_large?.Rented ?? 0);
            }
        }
    }

    /// <summary>Blocks allocated and free now, large ones included.</summary>
    public long FreeBlocks
    {
        get
        {
            lock (_lock)
            {
                return _small.Free.Count + (_large?.Free.Count ?? 0);
            }
        }
    }

    /// <summary>Blocks allocated now, rented or free, large ones included.</summary>
    public long AllocatedBlocks
    {
        get
        {
            lock (_lock)
            {
                return _small.Allocated + (_large?.Allocated ?? 0);
            }
        }
    }

    /// <summary>Bytes of slabs allocated now, both sizes: what counts against <see cref="MaxBytes"/>.</summary>
    public long AllocatedBytes
    {
        get
        {
            lock (_lock)
            {
                return AllocatedBytesCore();
            }
        }
    }

    /// <summary>Stops serving blocks and drops every free slab; blocks still rented are released when returned.
    /// Rings still using the pool keep working: they keep the blocks they hold (and reuse them), a write that needs a
    /// new block evicts the ring's own oldest audio or is dropped and counted, as when the budget is exhausted, and
    /// every block is released when its ring returns it. A ring cannot be created on a disposed pool.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _trimTimer?.Dispose();
            _trimTimer = null;
            foreach (SizeClass sizeClass in Classes())
            {
                sizeClass.Free.Clear();
                sizeClass.Slabs.Clear();
                sizeClass.Allocated = sizeClass.Rented;
            }
        }

        lock (s_poolsLock)
        {
            s_pools.RemoveAll(w => !w.TryGetTarget(out AudioBlockPool? p) || ReferenceEquals(p, this));
        }
    }

    private static AudioBlockPool CreateShared()
    {
        var pool = new AudioBlockPool(DefaultBlockSize, DefaultBlocksPerSlab, DefaultMaxBytes, "shared", SharedLargeBlockSize);
        pool.StartTrimming(TimeSpan.FromMinutes(1));
        return pool;
    }
}
