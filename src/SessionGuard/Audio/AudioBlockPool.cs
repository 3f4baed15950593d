using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
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
/// observable gauges on the <c>SessionGuard</c> meter, tagged <c>pool</c> with <see cref="Name"/>.
/// </summary>
/// <remarks>Thread-safe. A slab is released by <see cref="Trim"/> once every block carved from it is free.</remarks>
public sealed class AudioBlockPool : IDisposable
{
    /// <summary>The default <see cref="BlockSize"/>: 4 KB.</summary>
    public const int DefaultBlockSize = 4096;

    /// <summary>The default number of blocks carved from one slab: 16.</summary>
    public const int DefaultBlocksPerSlab = 16;

    /// <summary>The default <see cref="MaxBytes"/>: 1 GB.</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>Blocks handed out now (observable gauge).</summary>
    public const string BlocksRentedMetric = "sessionguard.audio.blocks.rented";

    /// <summary>Blocks allocated and free in the pool now (observable gauge).</summary>
    public const string BlocksFreeMetric = "sessionguard.audio.blocks.free";

    /// <summary>Blocks allocated now, rented or free (observable gauge).</summary>
    public const string BlocksAllocatedMetric = "sessionguard.audio.blocks.allocated";

    private static readonly object s_poolsLock = new();
    private static readonly List<WeakReference<AudioBlockPool>> s_pools = new();
    private static readonly Meter s_meter = CreateMeter();

    static AudioBlockPool()
    {
        GC.KeepAlive(s_meter);
    }
    private static readonly Lazy<AudioBlockPool> s_shared = new(CreateShared);

    private readonly Gate _lock = new();
    private readonly Stack<AudioBlock> _free = new();
    private readonly List<Slab> _slabs = new();
    private ITimer? _trimTimer;
    private long _allocatedBlocks;
    private long _rentedBlocks;
    private bool _disposed;

    /// <summary>Creates a pool.</summary>
    /// <param name="blockSize">Bytes per block, at least 64.</param>
    /// <param name="blocksPerSlab">Blocks carved from one slab allocation, at least 1.</param>
    /// <param name="maxBytes">Most bytes of slabs allocated at once; at least one slab.</param>
    /// <param name="name">The <c>pool</c> tag of the pool's metrics.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range; the exception names it.</exception>
    public AudioBlockPool(int blockSize = DefaultBlockSize, int blocksPerSlab = DefaultBlocksPerSlab, long maxBytes = DefaultMaxBytes, string name = "pool")
    {
        if (blockSize < 64)
        {
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "blockSize must be at least 64.");
        }

        if (blocksPerSlab < 1 || (long)blocksPerSlab * blockSize > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(blocksPerSlab), blocksPerSlab, "blocksPerSlab must be at least 1 and a slab must fit in one array.");
        }

        if (maxBytes < (long)blockSize * blocksPerSlab)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "maxBytes must hold at least one slab (blockSize * blocksPerSlab).");
        }

        ArgumentNullException.ThrowIfNull(name);
        BlockSize = blockSize;
        BlocksPerSlab = blocksPerSlab;
        MaxBytes = maxBytes;
        Name = name;
        lock (s_poolsLock)
        {
            s_pools.RemoveAll(static w => !w.TryGetTarget(out _));
            s_pools.Add(new WeakReference<AudioBlockPool>(this));
        }
    }

    /// <summary>The process-wide pool (4 KB blocks, 1 GB budget); it calls <see cref="TrimIdle"/> every minute.</summary>
    public static AudioBlockPool Shared => s_shared.Value;

    /// <summary>Bytes per block.</summary>
    public int BlockSize { get; }

    /// <summary>Blocks carved from one slab.</summary>
    public int BlocksPerSlab { get; }

    /// <summary>The byte budget: most bytes of slabs allocated at once.</summary>
    public long MaxBytes { get; }

    /// <summary>The <c>pool</c> tag of this pool's metrics.</summary>
    public string Name { get; }

    /// <summary>Blocks handed out now.</summary>
    public long RentedBlocks
    {
        get
        {
            lock (_lock)
            {
                return _rentedBlocks;
            }
        }
    }

    /// <summary>Blocks allocated and free now.</summary>
    public long FreeBlocks
    {
        get
        {
            lock (_lock)
            {
                return _free.Count;
            }
        }
    }

    /// <summary>Blocks allocated now, rented or free.</summary>
    public long AllocatedBlocks
    {
        get
        {
            lock (_lock)
            {
                return _allocatedBlocks;
            }
        }
    }

    /// <summary>Rents up to <paramref name="into"/>'s length in blocks, in one call, allocating slabs while none is
    /// free and the budget allows.</summary>
    /// <returns>How many blocks were put into <paramref name="into"/>; fewer when the budget is exhausted (or memory
    /// could not be allocated).</returns>
    internal int TryRent(Span<AudioBlock?> into)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int count = 0;
            while (count < into.Length)
            {
                if (_free.Count == 0 && !TryAllocateSlab())
                {
                    break;
                }

                AudioBlock block = _free.Pop();
                block.Slab.FreeCount--;
                into[count++] = block;
            }

            _rentedBlocks += count;
            return count;
        }
    }

    /// <summary>Returns <paramref name="count"/> blocks rented from this pool, linked from <paramref name="first"/>
    /// by <c>Next</c>, in one call.</summary>
    internal void Return(AudioBlock first, int count)
    {
        lock (_lock)
        {
            _rentedBlocks -= count;
            AudioBlock? block = first;
            for (int i = 0; i < count; i++)
            {
                AudioBlock next = block!.NextBlock!;
                block.ResetLinks();
                block.Slab.FreeCount++;
                if (_disposed)
                {
                    _allocatedBlocks--;
                }
                else
                {
                    block.Slab.IdleSinceTrim = false;
                    _free.Push(block);
                }

                block = next;
            }
        }
    }

    /// <summary>Releases every slab whose blocks are all free, so its memory can be collected.</summary>
    /// <returns>The number of blocks released.</returns>
    public long Trim()
    {
        lock (_lock)
        {
            return TrimCore(onlyIdleSinceLastTrim: false);
        }
    }

    /// <summary>Releases the slabs whose blocks have all stayed free since the previous call of this method:
    /// call it periodically (for example every minute) to give back memory after a burst.</summary>
    /// <returns>The number of blocks released.</returns>
    public long TrimIdle()
    {
        lock (_lock)
        {
            return TrimCore(onlyIdleSinceLastTrim: true);
        }
    }

    /// <summary>Calls <see cref="TrimIdle"/> every <paramref name="interval"/>, so a slab left free for a whole
    /// interval is released. Replaces a previous schedule.</summary>
    /// <param name="interval">Positive.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is not positive.</exception>
    public void StartTrimming(TimeSpan interval, TimeProvider? timeProvider = null)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "interval must be positive.");
        }

        ITimer timer = (timeProvider ?? TimeProvider.System).CreateTimer(static s => ((AudioBlockPool)s!).TrimIdle(), this, interval, interval);
        ITimer? previous;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            previous = _trimTimer;
            _trimTimer = timer;
        }

        previous?.Dispose();
    }

    /// <summary>Stops serving blocks and drops every free slab; blocks still rented are released when returned.</summary>
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
            _free.Clear();
            _slabs.Clear();
            _allocatedBlocks = _rentedBlocks;
        }

        lock (s_poolsLock)
        {
            s_pools.RemoveAll(w => !w.TryGetTarget(out AudioBlockPool? p) || ReferenceEquals(p, this));
        }
    }

    private long TrimCore(bool onlyIdleSinceLastTrim)
    {
        long released = 0;
        bool any = false;
        foreach (Slab slab in _slabs)
        {
            if (slab.FreeCount == BlocksPerSlab && (!onlyIdleSinceLastTrim || slab.IdleSinceTrim))
            {
                slab.Released = true;
                any = true;
            }

            slab.IdleSinceTrim = slab.FreeCount == BlocksPerSlab;
        }

        if (!any)
        {
            return 0;
        }

        AudioBlock[] keep = _free.ToArray();
        _free.Clear();
        for (int i = keep.Length - 1; i >= 0; i--)
        {
            if (!keep[i].Slab.Released)
            {
                _free.Push(keep[i]);
            }
        }

        released = _slabs.RemoveAll(static s => s.Released) * (long)BlocksPerSlab;
        _allocatedBlocks -= released;
        return released;
    }

    private bool TryAllocateSlab()
    {
        long slabBytes = (long)BlockSize * BlocksPerSlab;
        if ((_allocatedBlocks * BlockSize) + slabBytes > MaxBytes)
        {
            return false;
        }

        byte[] memory;
        try
        {
            memory = GC.AllocateUninitializedArray<byte>((int)slabBytes);
        }
        catch (OutOfMemoryException)
        {
            return false;
        }

        var slab = new Slab { FreeCount = BlocksPerSlab };
        _slabs.Add(slab);
        for (int i = BlocksPerSlab - 1; i >= 0; i--)
        {
            _free.Push(new AudioBlock(this, slab, memory, i * BlockSize, BlockSize));
        }

        _allocatedBlocks += BlocksPerSlab;
        return true;
    }

    private static AudioBlockPool CreateShared()
    {
        var pool = new AudioBlockPool(DefaultBlockSize, DefaultBlocksPerSlab, DefaultMaxBytes, "shared");
        pool.StartTrimming(TimeSpan.FromMinutes(1));
        return pool;
    }

    private static Meter CreateMeter()
    {
        var meter = new Meter(SessionGuardMetrics.MeterName);
        meter.CreateObservableGauge(BlocksRentedMetric, () => Observe(static p => p.RentedBlocks), "{block}", "Audio blocks handed out now.");
        meter.CreateObservableGauge(BlocksFreeMetric, () => Observe(static p => p.FreeBlocks), "{block}", "Audio blocks allocated and free now.");
        meter.CreateObservableGauge(BlocksAllocatedMetric, () => Observe(static p => p.AllocatedBlocks), "{block}", "Audio blocks allocated now.");
        return meter;
    }

    private static List<Measurement<long>> Observe(Func<AudioBlockPool, long> value)
    {
        var result = new List<Measurement<long>>();
        lock (s_poolsLock)
        {
            foreach (WeakReference<AudioBlockPool> w in s_pools)
            {
                if (w.TryGetTarget(out AudioBlockPool? pool))
                {
                    result.Add(new Measurement<long>(value(pool), new KeyValuePair<string, object?>("pool", pool.Name)));
                }
            }
        }

        return result;
    }

    internal sealed class Slab
    {
        public int FreeCount;
        public bool IdleSinceTrim;
        public bool Released;
    }
}

/// <summary>One fixed-size block; also the segment of the <see cref="System.Buffers.ReadOnlySequence{T}"/> a reader sees.</summary>
internal sealed class AudioBlock : ReadOnlySequenceSegment<byte>
{
    public AudioBlock(AudioBlockPool pool, AudioBlockPool.Slab slab, byte[] array, int offset, int length)
    {
        Pool = pool;
        Slab = slab;
        Array = array;
        Offset = offset;
        Memory = new ReadOnlyMemory<byte>(array, offset, length);
    }

    public AudioBlockPool Pool { get; }

    public AudioBlockPool.Slab Slab { get; }

    public byte[] Array { get; }

    public int Offset { get; }

    /// <summary>The ring buffer that holds the block now, for validating positions.</summary>
    public object? Owner { get; set; }

    public AudioBlock? NextBlock => (AudioBlock?)Next;

    public void SetNext(AudioBlock? next) => Next = next;

    public void SetRunningIndex(long index) => RunningIndex = index;

    public void ResetLinks()
    {
        Next = null;
        Owner = null;
    }
}
