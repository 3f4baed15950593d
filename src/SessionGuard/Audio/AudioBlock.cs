using System;
using System.Buffers;
using System.Runtime.CompilerServices;

namespace SessionGuard.Audio;

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
