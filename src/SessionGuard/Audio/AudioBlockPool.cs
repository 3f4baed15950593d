using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
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
public sealed class AudioBlockPool : IDisposable
{
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

    private static readonly object s_poolsLock = new();
    private static readonly List<WeakReference<AudioBlockPool>> s_pools = new();
    private static readonly Meter s_meter = CreateMeter();

    static AudioBlockPool()
    {
        GC.KeepAlive(s_meter);
    }
    private static readonly Lazy<AudioBlockPool> s_shared = new(CreateShared);

    private readonly Gate _lock = new();

    // The rings that hold blocks now (each knows its slot and count, guarded by this lock): the candidates to give
    // memory back when the budget is exhausted. A ring leaves when it has returned its last block.
    private readonly List<AudioRingBuffer> _holders = new();
    private readonly SizeClass _small;
    private readonly SizeClass? _large;
    private ITimer? _trimTimer;
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

    /// <summary>Rents up to <paramref name="into"/>'s length in blocks of one size, in one call, allocating slabs
    /// while none is free and the budget allows.</summary>
    /// <param name="into">Receives the blocks.</param>
    /// <param name="large">Large blocks; the pool must have them (<see cref="LargeBlockSize"/> not 0).</param>
    /// <returns>How many blocks were put into <paramref name="into"/>; fewer when the budget is exhausted (or memory
    /// could not be allocated), none once the pool is disposed: a ring still writing then drops cleanly.</returns>
    /// <param name="owner">The ring the blocks are for: it becomes their <see cref="AudioBlock.Owner"/>, and a ring
    /// that holds blocks is one the pool can take memory back from (<see cref="TryReclaim"/>).</param>
    internal int TryRent(Span<AudioBlock?> into, bool large, AudioRingBuffer owner)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return 0;
            }

            SizeClass sizeClass = large ? _large! : _small;
            Stack<AudioBlock> free = sizeClass.Free;
            int count = 0;
            while (count < into.Length)
            {
                if (free.Count == 0)
                {
                    if (!TryAllocateSlab(sizeClass))
                    {
                        break;
                    }
                }
                else if (!CanAllocateSlab(sizeClass) && OverShare(owner, owner.PoolRentedBytes + ((long)count * sizeClass.BlockSize), sizeClass.BlockSize))
                {
                    // The budget is reached: a ring past its share recycles its own audio instead of taking the free
                    // blocks other rings gave back.
                    break;
                }

                AudioBlock block = free.Pop();
                block.Slab.FreeCount--;
                block.Owner = owner;
                into[count++] = block;
            }

            sizeClass.Rented += count;
            if (count > 0)
            {
                if (owner.PoolRentedBlocks == 0)
                {
                    owner.PoolSlot = _holders.Count;
                    _holders.Add(owner);
                }

                owner.PoolRentedBlocks += count;
                owner.PoolRentedBytes += (long)count * sizeClass.BlockSize;
            }

            return count;
        }
    }

    /// <summary>Returns <paramref name="count"/> blocks rented from this pool, linked from <paramref name="first"/>
    /// by <c>Next</c>, in one call.</summary>
    internal void Return(AudioBlock first, int count)
    {
        lock (_lock)
        {
            AudioBlock? block = first;
            for (int i = 0; i < count; i++)
            {
                AudioBlock next = block!.NextBlock!;
                Slab slab = block.Slab;
                SizeClass sizeClass = slab.Class;
                if (block.Owner is AudioRingBuffer owner)
                {
                    owner.PoolRentedBytes -= block.Length;
                    if (--owner.PoolRentedBlocks == 0)
                    {
                        RemoveHolder(owner);
                    }
                }

                block.ResetLinks();
                slab.FreeCount++;
                sizeClass.Rented--;
                if (_disposed)
                {
                    sizeClass.Allocated--;
                }
                else
                {
                    slab.IdleSinceTrim = false;
                    sizeClass.Free.Push(block);
                }

                block = next;
            }
        }
    }

    /// <summary>The budget is exhausted and <paramref name="requester"/>, which holds <paramref name="requesterUnread"/>
    /// bytes of unread audio, needs <paramref name="blocks"/> more of <paramref name="blockSize"/>: if it is within its
    /// share, the ring holding the most unread audio, if it holds more than the requester, gives back its oldest
    /// unread audio's blocks (a ring nobody reads, stuck at its caps, before a healthy one that is writing). Called
    /// with the requester's lock held: the pool's lock is released before the other ring is asked, and that ring's
    /// lock is only tried, for a bounded time, so no two locks wait on each other.</summary>
    /// <returns>True if blocks came back to the pool.</returns>
    internal bool TryReclaim(AudioRingBuffer requester, long requesterUnread, int blocks, int blockSize)
    {
        AudioRingBuffer? victim = null;
        long most = requesterUnread;
        lock (_lock)
        {
            if (_disposed || OverShare(requester, requester.PoolRentedBytes, (long)blocks * blockSize))
            {
                return false;
            }

            foreach (AudioRingBuffer ring in _holders)
            {
                long unread = ring.UnreadBytesForPool;
                if (unread > most && !ReferenceEquals(ring, requester))
                {
                    most = unread;
                    victim = ring;
                }
            }
        }

        if (victim is null)
        {
            return false;
        }

        if (victim.TryGiveBack(blocks))
        {
            return true;
        }

        // The other ring's lock was taken: it gives back at its next locked section, which for a ring being written
        // is within a chunk's copy. Wait for free blocks a bounded time (the write never waits long).
        SizeClass sizeClass = blockSize == _small.BlockSize ? _small : _large!;
        for (int i = 0; i < ReclaimWaitTurns; i++)
        {
            Thread.SpinWait(8);
            lock (_lock)
            {
                if (sizeClass.Free.Count > 0 || CanAllocateSlab(sizeClass))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Turns of <c>Thread.SpinWait(8)</c> <see cref="TryReclaim"/> waits for blocks another ring was asked to
    /// give back at its next locked section.</summary>
    private const int ReclaimWaitTurns = 32;

    /// <summary>Rings that hold blocks of this pool now; under the lock.</summary>
    internal int HolderCount
    {
        get
        {
            lock (_lock)
            {
                return _holders.Count;
            }
        }
    }

    /// <summary>Whether <paramref name="ring"/>, holding <paramref name="held"/> bytes, would exceed its share of the
    /// budget with <paramref name="more"/>: the budget divided among the rings holding blocks (the ring counted among
    /// them) and, with other rings, one more. A ring holding nothing may always take its first block. Under the
    /// lock.</summary>
    private bool OverShare(AudioRingBuffer ring, long held, long more)
    {
        if (held == 0)
        {
            return false;
        }

        // With other rings, one share more than the rings holding blocks: a ring that streams returns every block each
        // time it drains (and then holds none), so a share stays free for it however many rings nobody reads sit at
        // their caps. A ring alone may use the whole budget.
        int holders = _holders.Count + (ring.PoolRentedBlocks == 0 ? 1 : 0);
        return held + more > MaxBytes / (holders == 1 ? 1 : holders + 1);
    }

    /// <summary>The budget has room for another slab of <paramref name="sizeClass"/>. Under the lock.</summary>
    private bool CanAllocateSlab(SizeClass sizeClass) =>
        AllocatedBytesCore() + ((long)sizeClass.BlockSize * sizeClass.BlocksPerSlab) <= MaxBytes;

    private void RemoveHolder(AudioRingBuffer ring)
    {
        int slot = ring.PoolSlot;
        AudioRingBuffer last = _holders[^1];
        _holders[slot] = last;
        last.PoolSlot = slot;
        _holders.RemoveAt(_holders.Count - 1);
        ring.PoolSlot = -1;
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
            AudioThrowHelper.ThrowArgumentOutOfRange_TrimInterval(interval);
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

    private long TrimCore(bool onlyIdleSinceLastTrim)
    {
        long released = 0;
        foreach (SizeClass sizeClass in Classes())
        {
            released += TrimClass(sizeClass, onlyIdleSinceLastTrim);
        }

        return released;
    }

    private long TrimClass(SizeClass sizeClass, bool onlyIdleSinceLastTrim)
    {
        bool any = false;
        foreach (Slab slab in sizeClass.Slabs)
        {
            if (slab.FreeCount == sizeClass.BlocksPerSlab && (!onlyIdleSinceLastTrim || slab.IdleSinceTrim))
            {
                slab.Released = true;
                any = true;
            }

            slab.IdleSinceTrim = slab.FreeCount == sizeClass.BlocksPerSlab;
        }

        if (!any)
        {
            return 0;
        }

        Stack<AudioBlock> free = sizeClass.Free;
        AudioBlock[] keep = free.ToArray();
        free.Clear();
        for (int i = keep.Length - 1; i >= 0; i--)
        {
            if (!keep[i].Slab.Released)
            {
                free.Push(keep[i]);
            }
        }

        long released = sizeClass.Slabs.RemoveAll(static s => s.Released) * (long)sizeClass.BlocksPerSlab;
        sizeClass.Allocated -= released;
        return released;
    }

    private bool TryAllocateSlab(SizeClass sizeClass)
    {
        long slabBytes = (long)sizeClass.BlockSize * sizeClass.BlocksPerSlab;
        if (AllocatedBytesCore() + slabBytes > MaxBytes)
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

        var slab = new Slab(sizeClass) { FreeCount = sizeClass.BlocksPerSlab };
        sizeClass.Slabs.Add(slab);
        for (int i = sizeClass.BlocksPerSlab - 1; i >= 0; i--)
        {
            sizeClass.Free.Push(new AudioBlock(this, slab, memory, i * sizeClass.BlockSize, sizeClass.BlockSize));
        }

        sizeClass.Allocated += sizeClass.BlocksPerSlab;
        return true;
    }

    /// <summary>Bytes of slabs allocated, both sizes; under the lock.</summary>
    private long AllocatedBytesCore() =>
        (_small.Allocated * _small.BlockSize) + (_large is null ? 0 : _large.Allocated * _large.BlockSize);

    private IEnumerable<SizeClass> Classes()
    {
        yield return _small;
        if (_large is not null)
        {
            yield return _large;
        }
    }

    private static AudioBlockPool CreateShared()
    {
        var pool = new AudioBlockPool(DefaultBlockSize, DefaultBlocksPerSlab, DefaultMaxBytes, "shared", SharedLargeBlockSize);
        pool.StartTrimming(TimeSpan.FromMinutes(1));
        return pool;
    }

    private static Meter CreateMeter()
    {
        var meter = new Meter(SessionGuardMetrics.MeterName);
        meter.CreateObservableGauge(BlocksRentedMetric, () => Observe(static c => c.Rented), "{block}", "Audio blocks handed out now.");
        meter.CreateObservableGauge(BlocksFreeMetric, () => Observe(static c => c.Free.Count), "{block}", "Audio blocks allocated and free now.");
        meter.CreateObservableGauge(BlocksAllocatedMetric, () => Observe(static c => c.Allocated), "{block}", "Audio blocks allocated now.");
        return meter;
    }

    /// <summary>One measurement per pool and size class, tagged <c>pool</c> and <c>block_size</c>.</summary>
    private static List<Measurement<long>> Observe(Func<SizeClass, long> value)
    {
        var result = new List<Measurement<long>>();
        lock (s_poolsLock)
        {
            foreach (WeakReference<AudioBlockPool> w in s_pools)
            {
                if (w.TryGetTarget(out AudioBlockPool? pool))
                {
                    lock (pool._lock)
                    {
                        foreach (SizeClass sizeClass in pool.Classes())
                        {
                            result.Add(new Measurement<long>(
                                value(sizeClass),
                                new KeyValuePair<string, object?>("pool", pool.Name),
                                new KeyValuePair<string, object?>("block_size", sizeClass.BlockSize)));
                        }
                    }
                }
            }
        }

        return result;
    }

    /// <summary>The blocks of one size: free stack, slabs and counts, guarded by the pool's lock.</summary>
    internal sealed class SizeClass
    {
        public SizeClass(int blockSize, int blocksPerSlab)
        {
            BlockSize = blockSize;
            BlocksPerSlab = blocksPerSlab;
        }

        public int BlockSize { get; }

        public int BlocksPerSlab { get; }

        public Stack<AudioBlock> Free { get; } = new();

        public List<Slab> Slabs { get; } = new();

        public long Allocated;

        public long Rented;
    }

    internal sealed class Slab
    {
        public Slab(SizeClass sizeClass) => Class = sizeClass;

        public SizeClass Class { get; }

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
        Length = length;
        Memory = new ReadOnlyMemory<byte>(array, offset, length);
    }

    /// <summary>Bytes in the block: the pool's block size or large block size.</summary>
    public int Length { get; }

    public AudioBlockPool Pool { get; }

    public AudioBlockPool.Slab Slab { get; }

    public byte[] Array { get; }

    public int Offset { get; }

    /// <summary>The ring buffer that holds the block now, for validating positions.</summary>
    public object? Owner { get; set; }

    // Every segment linked here is an AudioBlock (SetNext is the only writer), so no type check is needed.
    public AudioBlock? NextBlock => Unsafe.As<AudioBlock?>(Next);

    public void SetNext(AudioBlock? next) => Next = next;

    public void SetRunningIndex(long index) => RunningIndex = index;

    public void ResetLinks()
    {
        Next = null;
        Owner = null;
    }
}
