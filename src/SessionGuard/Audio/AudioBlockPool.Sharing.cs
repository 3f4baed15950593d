using System.Collections.Generic;
using System.Threading;

namespace SessionGuard.Audio;

// The budget shared among the rings that hold blocks: each ring's share, and taking memory back from the ring that
// holds the most unread audio when the budget is exhausted.
public sealed partial class AudioBlockPool
{
    // The rings that hold blocks now (each knows its slot and count, guarded by _lock): the candidates to give
    // memory back when the budget is exhausted. A ring leaves when it has returned its last block.
    private readonly List<AudioRingBuffer> _holders = new();

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

    private void RemoveHolder(AudioRingBuffer ring)
    {
        int slot = ring.PoolSlot;
        AudioRingBuffer last = _holders[^1];
        _holders[slot] = last;
        last.PoolSlot = slot;
        _holders.RemoveAt(_holders.Count - 1);
        ring.PoolSlot = -1;
    }
}
