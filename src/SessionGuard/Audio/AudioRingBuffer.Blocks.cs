using System;
using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;

namespace SessionGuard.Audio;

// The block chain: blocks from the pool linked from head to tail at virtual addresses, the spare lists, blocks
// retired with a held view at disposal, and blocks queued for the pool until the lock is released. Guarded by the
// lock.
public sealed partial class AudioRingBuffer
{
    private readonly AudioBlockPool _pool;
    private readonly int _blockSize;
    private readonly int _largeBlockSize;
    private readonly AudioBlock?[] _rentScratch;

    // Blocks: a chain from _head to _tail. Addresses are virtual: a block's RunningIndex.
    private AudioBlock? _head;
    private int _chainBlocks;
    private AudioBlock? _tail;
    private long _tailAddr;

    // Spare blocks: released by the reader's progress and kept (linked by Next, Owner still this) for the next write,
    // at most about one chunk's worth; returned to the pool when the buffer drains, so an idle buffer holds none.
    // One list per block size.
    private SpareList _spares;
    private SpareList _largeSpares;

    // The blocks of a view the reader held when the buffer was disposed, returned at the reader's next call.
    private AudioBlock? _retired;
    private int _retiredCount;

    // Blocks released under the lock, returned to the pool once it is released.
    private AudioBlock? _returning;
    private int _returningCount;

    /// <summary>Not holding a view: releases the blocks before the first buffered byte, or all when nothing is buffered.</summary>
    private void ReleaseLeadingBlocks()
    {
        if (_holding && _viewEndBlock is not null)
        {
            return;
        }

        if (_chunks.Count == 0)
        {
            ReleaseAllBlocks();
            return;
        }

        if (ReferenceEquals(_head, _unheldBlock))
        {
            return;
        }

        AudioBlock first = _head!;
        AudioBlock last = first;
        int count = 1;
        while (!ReferenceEquals(last.NextBlock, _unheldBlock))
        {
            last = last.NextBlock!;
            count++;
        }

        _head = _unheldBlock;
        _chainBlocks -= count;
        Recycle(first, last, count);
    }

    /// <summary>Holding a view after an eviction: releases the blocks wholly between the view and the buffered data.</summary>
    private void ReleaseGapBlocks()
    {
        AudioBlock viewEnd = _viewEndBlock!;
        if (ReferenceEquals(viewEnd, _unheldBlock))
        {
            return;
        }

        AudioBlock? first = ReferenceEquals(viewEnd, _tail) ? null : viewEnd.NextBlock;
        if (first is not null && !ReferenceEquals(first, _unheldBlock))
        {
            AudioBlock last = first;
            int count = 1;
            while (!ReferenceEquals(last, _tail) && !ReferenceEquals(last.NextBlock, _unheldBlock))
            {
                last = last.NextBlock!;
                count++;
            }

            _chainBlocks -= count;
            Recycle(first, last, count);
        }

        viewEnd.SetNext(_unheldBlock);
        if (_unheldBlock is null)
        {
            if (!ReferenceEquals(_tail, viewEnd))
            {
                _tail = viewEnd;
                _tailAddr = viewEnd.RunningIndex + viewEnd.Length;
            }
        }
    }

    /// <summary>Returns every block, the spares included, to the pool. O(spares): the chain is handed over whole
    /// (its length is counted as it changes), and the pool walks it after the lock is released.</summary>
    private void ReleaseAllBlocks()
    {
        if (_head is not null)
        {
            _tail!.SetNext(null);
            DeferReturn(_head, _tail, _chainBlocks);
            _chainBlocks = 0;
        }

        ReturnSpares(ref _spares);
        ReturnSpares(ref _largeSpares);

        if (_tail is not null)
        {
            _tailAddr = _tail.RunningIndex + _tail.Length;
        }

        _head = null;
        _tail = null;
        _unheldBlock = null;
        _unheldStart = _tailAddr;
        if (!_holding)
        {
            // A held view's addresses change only in the reader's own calls: the reader resolves its positions
            // against them without the lock (an empty view, which holds no block, is still held until advanced).
            _viewStart = _viewEnd = _tailAddr;
        }
        if (_chunks.Count == 0 && !_readerCompleted)
        {
            _chunks.ReleaseArray();
        }
    }

    /// <summary>Takes blocks no longer in the chain (<paramref name="first"/> to <paramref name="last"/>, linked by
    /// Next): keeps them as spares of their size up to the limits, returns the rest to the pool in one call.</summary>
    private void Recycle(AudioBlock first, AudioBlock last, int count)
    {
        AudioBlock? returnFirst = null;
        AudioBlock? returnLast = null;
        int returned = 0;
        AudioBlock? block = first;
        for (int i = 0; i < count; i++)
        {
            AudioBlock current = block!;
            block = ReferenceEquals(current, last) ? null : current.NextBlock;
            if (SparesFor(current.Length != _blockSize).TryPush(current))
            {
                continue;
            }

            current.SetNext(returnFirst);
            returnFirst = current;
            returnLast ??= current;
            returned++;
        }

        if (returnFirst is not null)
        {
            DeferReturn(returnFirst, returnLast!, returned);
        }
    }

    /// <summary>Puts up to <paramref name="count"/> blocks of one size into the rent scratch from <paramref name="at"/>:
    /// spares first, then the pool. Returns how many; fewer when the pool's budget is exhausted.</summary>
    private int RentBlocks(int at, int count, bool large)
    {
        int got = 0;
        ref SpareList spares = ref SparesFor(large);
        while (got < count && spares.TryPop(out AudioBlock? block))
        {
            _rentScratch[at + got++] = block;
        }

        if (got < count)
        {
            // The spares are empty and the buffer is streaming (it has a tail): take one small block more than
            // needed in the same pool call and keep it as the spare for the next write (within the spare limit, the
            // blocks a write needs plus one). A buffer filling from empty then calls the pool about half as often,
            // and a pool call costs about what copying 640 B does. Not for a first write, which may be the only
            // one, nor for large blocks, where the spare would be 64 KB.
            int want = count - got;
            if (!large && _tail is not null && spares.Count < spares.Limit && at + count < _rentScratch.Length)
            {
                want++;
            }

            int rented = _pool.TryRent(_rentScratch.AsSpan(at + got, want), large, this);
            _rentedBlocks += rented;

            if (rented > count - got)
            {
                AudioBlock extra = _rentScratch[at + count]!;
                _rentScratch[at + count] = null;
                bool kept = spares.TryPush(extra);
                Debug.Assert(kept, "The extra block was asked for only while the spare list had room.");
                rented--;
            }

            got += rented;
        }

        return got;
    }

    /// <summary>Links a block after the tail, at the address where the tail ends.</summary>
    private void LinkAtTail(AudioBlock block)
    {
        AudioBlock tail = _tail!;
        block.SetRunningIndex(tail.RunningIndex + tail.Length);
        block.SetNext(null);
        tail.SetNext(block);
        _tail = block;
        _chainBlocks++;
    }

    /// <summary>Copies a chunk into the chain from address <paramref name="start"/>, which lies in
    /// <paramref name="startBlock"/> (or at its end), across as many linked blocks as it needs.</summary>
    private static void CopyIn(ReadOnlySpan<byte> chunk, AudioBlock startBlock, long start)
    {
        AudioBlock current = startBlock;
        int offset = (int)(start - current.RunningIndex);
        if (offset == current.Length)
        {
            current = current.NextBlock!;
            offset = 0;
        }

        while (true)
        {
            int n = Math.Min(current.Length - offset, chunk.Length);
            chunk.Slice(0, n).CopyTo(current.Array.AsSpan(current.Offset + offset, n));
            chunk = chunk.Slice(n);
            if (chunk.IsEmpty)
            {
                return;
            }

            current = current.NextBlock!;
            offset = 0;
        }
    }

    /// <summary>Queues blocks this buffer rented (linked by Next, the last one's Next null) for the pool, and stops
    /// counting them as rented; they are returned when the lock is released, so the pool's lock is never taken while
    /// this buffer's is held.</summary>
    private void DeferReturn(AudioBlock first, int count)
    {
        AudioBlock last = first;
        for (int i = 1; i < count; i++)
        {
            last = last.NextBlock!;
        }

        DeferReturn(first, last, count);
    }

    private void DeferReturn(AudioBlock first, AudioBlock last, int count)
    {
        _rentedBlocks -= count;
        last.SetNext(_returning);
        _returning = first;
        _returningCount += count;
    }

    /// <summary>Asked by the pool, for another ring that needs blocks (<see cref="AudioBlockPool.TryReclaim"/>): gives
    /// back the spares and the blocks of the oldest unread audio, evicted (and counted as dropped) chunk by chunk until
    /// <paramref name="blocks"/> blocks are going back or nothing unread is left. The blocks go back when this ring's
    /// lock is released. Waits for the lock a bounded time only (the asking ring holds its own); if it stays taken
    /// (a producer writing back to back takes it again at once), the request is posted and this ring gives back at its
    /// next locked section. True if blocks went back now.</summary>
    internal bool TryGiveBack(int blocks)
    {
        for (int tries = 0; tries < GiveBackLockTries; tries++)
        {
            if (TryEnterGate())
            {
                try
                {
                    return GiveBackCore(blocks);
                }
                finally
                {
                    ExitGate();
                }
            }

            Thread.SpinWait(4);
        }

        int requested;
        do
        {
            requested = Volatile.Read(ref _giveBackRequest);
        }
        while (requested < blocks && Interlocked.CompareExchange(ref _giveBackRequest, blocks, requested) != requested);

        return false;
    }

    /// <summary>A give-back posted while this ring's lock was taken: done now, at the start of a locked section.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GiveBackPosted()
    {
        int blocks = Interlocked.Exchange(ref _giveBackRequest, 0);
        if (blocks > 0)
        {
            GiveBackCore(blocks);
        }
    }

    /// <summary>Under the lock: the spares, then the oldest unread chunks, to the returning list.</summary>
    private bool GiveBackCore(int blocks)
    {
        _spares.Limit = 0;
        _largeSpares.Limit = 0;
        ReturnSpares(ref _spares);
        ReturnSpares(ref _largeSpares);
        while (_returningCount < blocks && !_chunks.AllHeld)
        {
            EvictOldestBuffered();
        }

        if (_pending)
        {
            // A ReadAtLeastAsync waiting here takes what is left now that unread audio was lost (see NoteLoss).
            CompletePendingIfReady();
        }

        return _returningCount > 0;
    }

    // Blocks another ring asked for while this ring's lock was taken (see TryGiveBack); read at each locked section.
    private int _giveBackRequest;

    /// <summary>How many times <see cref="TryGiveBack"/> tries the lock (a few microseconds in all).</summary>
    private const int GiveBackLockTries = 64;

    /// <summary>Unread bytes, read without the lock by the pool choosing a ring to take memory back from.</summary>
    internal long UnreadBytesForPool => Interlocked.Read(ref _buffered);

    /// <summary>Blocks this ring holds from its pool, counted by the pool under its lock.</summary>
    internal long PoolRentedBlocks;

    /// <summary>Bytes of the blocks this ring holds from its pool; under the pool's lock.</summary>
    internal long PoolRentedBytes;

    /// <summary>This ring's index among the pool's holders, or -1; under the pool's lock.</summary>
    internal int PoolSlot = -1;

    private ref SpareList SparesFor(bool large) => ref large ? ref _largeSpares : ref _spares;

    /// <summary>Returns a spare list's blocks to the pool (once the lock is released) and empties it.</summary>
    private void ReturnSpares(ref SpareList spares)
    {
        if (spares.Head is not null)
        {
            DeferReturn(spares.Head, spares.Count);
            spares.Head = null;
            spares.Count = 0;
        }
    }

    /// <summary>Spare blocks of one size, linked by Next; at most <see cref="Limit"/> of them are kept.</summary>
    private struct SpareList
    {
        public AudioBlock? Head;
        public int Count;
        public int Limit;

        public bool TryPush(AudioBlock block)
        {
            if (Count >= Limit)
            {
                return false;
            }

            block.SetNext(Head);
            Head = block;
            Count++;
            return true;
        }

        public bool TryPop([NotNullWhen(true)] out AudioBlock? block)
        {
            block = Head;
            if (block is null)
            {
                return false;
            }

            Head = block.NextBlock;
            Count--;
            return true;
        }
    }
}
