using System;
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
internal partial struct BlockChain
{
    // This file: the state, the chain's ends and growing it at the tail. Releasing blocks from the chain is in
    // BlockChain.Release.cs, the queue of blocks going back to the pool in .Returning.cs, the spare lists in .Spares.cs.
    // Every instance field is declared here: the fields of a partial struct keep one order only in one part.

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
}
