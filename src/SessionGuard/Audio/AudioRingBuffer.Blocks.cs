using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace SessionGuard.Audio;

// The ring's use of its blocks (BlockChain): releasing them as the reader progresses or audio is evicted, renting them
// for a write, and giving them back to the pool for another ring.
public sealed partial class AudioRingBuffer
{
    // [immutable] The pool and its block sizes.
    private readonly AudioBlockPool _pool;
    private readonly int _blockSize;
    private readonly int _largeBlockSize;

    // [lock] Blocks being rented for one write (empty between writes); the chain, the spares, the retired view and the
    // blocks going back to the pool (returned by ExitGate after the lock is released).
    private readonly AudioBlock?[] _rentScratch;
    private BlockChain _blocks;

    /// <summary>Not holding a view: releases the blocks before the first buffered byte, or all when nothing is buffered.</summary>
    private void ReleaseLeadingBlocks()
    {
        if (Holding && _viewEndBlock is not null)
        {
            return;
        }

        if (_chunks.Count == 0)
        {
            ReleaseAllBlocks();
            return;
        }

        _blocks.ReleaseBefore(_unheldBlock!);
    }

    /// <summary>Holding a view after an eviction: releases the blocks wholly between the view and the buffered data.</summary>
    private void ReleaseGapBlocks() => _blocks.ReleaseBetween(_viewEndBlock!, _unheldBlock);

    /// <summary>Returns every block, the spares included, to the pool (once the lock is released).</summary>
    private void ReleaseAllBlocks()
    {
        _blocks.ReleaseAll();
        _unheldBlock = null;
        _unheldStart = _blocks.TailAddress;
        if (!Holding)
        {
            // A held view's addresses change only in the reader's own calls: the reader resolves its positions
            // against them without the lock (an empty view, which holds no block, is still held until advanced).
            _viewStart = _viewEnd = _blocks.TailAddress;
        }
        if (_chunks.Count == 0 && !ReaderCompleted)
        {
            _chunks.ReleaseArray();
        }
    }

    /// <summary>Puts up to <paramref name="count"/> blocks of one size into the rent scratch from <paramref name="at"/>:
    /// spares first, then the pool. Returns how many; fewer when the pool's budget is exhausted.</summary>
    private int RentBlocks(int at, int count, bool large)
    {
        int got = 0;
        ref BlockChain.SpareList spares = ref _blocks.SparesFor(large);
        while (got < count && spares.TryPop(out AudioBlock? block))
        {
            _rentScratch[at + got++] = block;
        }

        if (got < count)
        {
            // The spares are empty and the buffer is streaming (it has a tail): take one small block more than
            // needed in the same pool call and keep it as the spare for the next write (within the spare limit, the
            // blocks a write needs plus one). A buffer filling from empty then calls the pool about half as often.
            // Not for a first write, which may be the only one, nor for large blocks, where the spare would be 64 KB.
            int want = count - got;
            if (!large && _blocks.Tail is not null && spares.Count < spares.Limit && at + count < _rentScratch.Length)
            {
                want++;
            }

            int rented = _pool.TryRent(_rentScratch.AsSpan(at + got, want), large, this);
            _blocks.NoteRented(rented);

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
        _blocks.Spares.Limit = 0;
        _blocks.LargeSpares.Limit = 0;
        _blocks.ReturnSpares();
        while (_blocks.ReturningCount < blocks && !_chunks.AllHeld)
        {
            EvictOldestBuffered();
        }

        if (Pending)
        {
            // A ReadAtLeastAsync waiting here takes what is left now that unread audio was lost (see NoteLoss).
            CompletePendingIfReady();
        }

        return _blocks.ReturningCount > 0;
    }

    // [volatile] Blocks another ring asked for while this ring's lock was taken (see TryGiveBack): raised through
    // Interlocked by that ring, taken through Interlocked at the start of this ring's next locked section.
    private int _giveBackRequest;

    /// <summary>How many times <see cref="TryGiveBack"/> tries the lock, with a short spin between tries.</summary>
    private const int GiveBackLockTries = 64;

    /// <summary>Unread bytes, read without the lock by the pool choosing a ring to take memory back from.</summary>
    internal long UnreadBytesForPool => Interlocked.Read(ref _buffered);

    // [pool] The pool's bookkeeping of this ring, under the pool's lock.

    /// <summary>Blocks this ring holds from its pool, counted by the pool under its lock.</summary>
    internal long PoolRentedBlocks;

    /// <summary>Bytes of the blocks this ring holds from its pool; under the pool's lock.</summary>
    internal long PoolRentedBytes;

    /// <summary>This ring's index among the pool's holders, or -1; under the pool's lock.</summary>
    internal int PoolSlot = -1;
}
