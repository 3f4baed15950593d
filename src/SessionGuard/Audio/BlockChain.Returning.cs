using System.Runtime.CompilerServices;

namespace SessionGuard.Audio;

// The blocks queued for the pool: emptying the spare lists into the queue, queueing released blocks, and handing the
// queue to the ring, which returns it to the pool once its lock is released.
internal partial struct BlockChain
{
    /// <summary>Queues both spare lists' blocks for the pool and empties them.</summary>
    public void ReturnSpares()
    {
        ReturnSpares(ref Spares);
        ReturnSpares(ref LargeSpares);
    }

    /// <summary>Takes the blocks queued for the pool (linked by Next; the last one's Next is null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public AudioBlock? TakeReturning(out int count)
    {
        AudioBlock? returning = _returning;
        count = _returningCount;
        _returning = null;
        _returningCount = 0;
        return returning;
    }

    private void ReturnSpares(ref SpareList spares)
    {
        if (spares.Head is not null)
        {
            DeferReturn(spares.Head, spares.Count);
            spares.Head = null;
            spares.Count = 0;
        }
    }

    /// <summary>Queues blocks the ring rented (linked by Next, the last one's Next null) for the pool, and stops
    /// counting them as rented; the ring returns them when its lock is released, so the pool's lock is never taken
    /// while the ring's is held.</summary>
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
        RentedBlocks -= count;
        last.SetNext(_returning);
        _returning = first;
        _returningCount += count;
    }
}
