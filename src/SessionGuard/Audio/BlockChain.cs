using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace SessionGuard.Audio;

/// <summary>
/// The <see cref="AudioRingBuffer"/>'s blocks: the chain of blocks rented from the pool, linked from
/// <see cref="Head"/> to <see cref="Tail"/> at virtual addresses (a block's <c>RunningIndex</c>); the spare lists
/// (one per block size); the blocks of a view retired at disposal; and the blocks released under the ring's lock,
/// returned to the pool once it is released.
/// </summary>
/// <remarks>A field of its ring, guarded by the ring's lock: a mutable struct, never copied. The members the write
/// path uses are small and inlined, so the ring reaches the chain as if it were its own fields. Never calls the pool:
/// the ring does, outside its lock.</remarks>
internal struct BlockChain
{
    /// <summary>Spare blocks of the pool's block size: released by the reader's progress and kept (linked by Next,
    /// Owner still the ring) for the next write, at most about one chunk's worth; returned to the pool when the ring
    /// drains, so an idle ring holds none.</summary>
    public SpareList Spares;

    /// <summary>Spare blocks of the pool's large block size.</summary>
    public SpareList LargeSpares;

    private readonly int _blockSize;
    private AudioBlock? _head;
    private AudioBlock? _tail;
    private int _count;

    // The blocks of a view the reader held when the ring was disposed, returned at the reader's next call.
    private AudioBlock? _retired;
    private int _retiredCount;

    // Blocks released under the lock, returned to the pool once it is released.
    private AudioBlock? _returning;
    private int _returningCount;

    /// <summary>An empty chain for a pool whose small blocks have <paramref name="blockSize"/> bytes.</summary>
    public BlockChain(int blockSize)
    {
        _blockSize = blockSize;
    }

    /// <summary>The oldest block, or null when the chain is empty.</summary>
    public readonly AudioBlock? Head
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _head;
    }

    /// <summary>The newest block, or null when the chain is empty.</summary>
    public readonly AudioBlock? Tail
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _tail;
    }

    /// <summary>The address where the next chunk starts: the end of the data written.</summary>
    public long TailAddress { readonly get; set; }

    /// <summary>Bytes free in the tail block after <see cref="TailAddress"/>; 0 when the chain is empty.</summary>
    public readonly long TailRoom
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _tail is null ? 0 : _tail.RunningIndex + _tail.Length - TailAddress;
    }

    /// <summary>Blocks rented from the pool and not yet queued to go back: the chain's, the spares, the retired ones.</summary>
    public int RentedBlocks { readonly get; private set; }

    /// <summary>Blocks queued for the pool.</summary>
    public readonly int ReturningCount => _returningCount;

    /// <summary>Whether blocks are queued for the pool.</summary>
    public readonly bool HasReturning
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _returning is not null;
    }

    /// <summary>The spare list of one block size.</summary>
    [UnscopedRef]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref SpareList SparesFor(bool large) => ref large ? ref LargeSpares : ref Spares;

    /// <summary>Counts blocks just rented from the pool.</summary>
    public void NoteRented(int count) => RentedBlocks += count;

    /// <summary>Starts an empty chain with <paramref name="first"/>, at <see cref="TailAddress"/>.</summary>
    public void StartWith(AudioBlock first)
    {
        first.SetRunningIndex(TailAddress);
        first.SetNext(null);
        _head = _tail = first;
        _count = 1;
    }

    /// <summary>Links a block after the tail, at the address where the tail ends.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void LinkAtTail(AudioBlock block)
    {
        AudioBlock tail = _tail!;
        block.SetRunningIndex(tail.RunningIndex + tail.Length);
        block.SetNext(null);
        tail.SetNext(block);
        _tail = block;
        _count++;
    }

    /// <summary>Copies a chunk into the chain from address <paramref name="start"/>, which lies in
    /// <paramref name="startBlock"/> (or at its end), across as many linked blocks as it needs.</summary>
    public static void CopyIn(ReadOnlySpan<byte> chunk, AudioBlock startBlock, long start)
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

    /// <summary>Queues both spare lists' blocks for the pool and empties them.</summary>
    public void ReturnSpares()
    {
        ReturnSpares(ref Spares);
        ReturnSpares(ref LargeSpares);
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

    /// <summary>Spare blocks of one size, linked by Next; at most <see cref="Limit"/> of them are kept.</summary>
    internal struct SpareList
    {
        public AudioBlock? Head;
        public int Count;
        public int Limit;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
