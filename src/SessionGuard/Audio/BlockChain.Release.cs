namespace SessionGuard.Audio;

// Releasing blocks from the chain: before a new head, between the reader's view and the buffered data, all of them, or
// the view retired at disposal; released blocks become spares or are queued for the pool.
internal partial struct BlockChain
{
    /// <summary>Releases the blocks before <paramref name="newHead"/>, a block of the chain, which becomes its head.</summary>
    public void ReleaseBefore(AudioBlock newHead)
    {
        if (ReferenceEquals(_head, newHead))
        {
            return;
        }

        AudioBlock first = _head!;
        AudioBlock last = first;
        int count = 1;
        while (!ReferenceEquals(last.NextBlock, newHead))
        {
            last = last.NextBlock!;
            count++;
        }

        _head = newHead;
        _count -= count;
        Recycle(first, last, count);
    }

    /// <summary>Releases the blocks wholly between <paramref name="viewEnd"/> (the last block of the reader's view)
    /// and <paramref name="next"/> (the block of the first buffered byte, or null when nothing is buffered), and
    /// links the two; with nothing buffered the view's last block becomes the tail.</summary>
    public void ReleaseBetween(AudioBlock viewEnd, AudioBlock? next)
    {
        if (ReferenceEquals(viewEnd, next))
        {
            return;
        }

        AudioBlock? first = ReferenceEquals(viewEnd, _tail) ? null : viewEnd.NextBlock;
        if (first is not null && !ReferenceEquals(first, next))
        {
            AudioBlock last = first;
            int count = 1;
            while (!ReferenceEquals(last, _tail) && !ReferenceEquals(last.NextBlock, next))
            {
                last = last.NextBlock!;
                count++;
            }

            _count -= count;
            Recycle(first, last, count);
        }

        viewEnd.SetNext(next);
        if (next is null)
        {
            if (!ReferenceEquals(_tail, viewEnd))
            {
                _tail = viewEnd;
                TailAddress = viewEnd.RunningIndex + viewEnd.Length;
            }
        }
    }

    /// <summary>Queues every block of the chain and the spares for the pool, O(spares): the chain is handed over
    /// whole, and the pool walks it after the lock is released. <see cref="TailAddress"/> moves to the end of the
    /// old tail block.</summary>
    public void ReleaseAll()
    {
        if (_head is not null)
        {
            _tail!.SetNext(null);
            DeferReturn(_head, _tail, _count);
            _count = 0;
        }

        ReturnSpares();

        if (_tail is not null)
        {
            TailAddress = _tail.RunningIndex + _tail.Length;
        }

        _head = null;
        _tail = null;
    }

    /// <summary>Takes blocks no longer in the chain (<paramref name="first"/> to <paramref name="last"/>, linked by
    /// Next): keeps them as spares of their size up to the limits, queues the rest for the pool.</summary>
    public void Recycle(AudioBlock first, AudioBlock last, int count)
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

    /// <summary>Disposal while the reader holds a view: detaches the blocks from the head through
    /// <paramref name="viewEnd"/>, to be queued for the pool at the reader's next call (<see cref="ReleaseRetired"/>).</summary>
    public void Retire(AudioBlock viewEnd)
    {
        AudioBlock first = _head!;
        int count = 1;
        for (AudioBlock b = first; !ReferenceEquals(b, viewEnd); b = b.NextBlock!)
        {
            count++;
        }

        AudioBlock? rest = ReferenceEquals(viewEnd, _tail) ? null : viewEnd.NextBlock;
        viewEnd.SetNext(null);
        _retired = first;
        _retiredCount = count;
        _count -= count;
        if (rest is null)
        {
            _head = null;
            _tail = null;
        }
        else
        {
            _head = rest;
        }
    }

    /// <summary>Queues the blocks of a retired view for the pool, if any.</summary>
    public void ReleaseRetired()
    {
        if (_retired is not null)
        {
            DeferReturn(_retired, _retiredCount);
            _retired = null;
            _retiredCount = 0;
        }
    }
}
