using System;

namespace SessionGuard.Audio;

// Copying a chunk into the ring's blocks and recording it.
public sealed partial class AudioRingBuffer
{
    private void Append(ReadOnlySpan<byte> chunk, int rented)
    {
        if (_chunks.Count == _chunks.Capacity)
        {
            _chunks.Grow(_maxChunks);
        }

        long start = _blocks.TailAddress;
        AudioBlock? tail = _blocks.Tail;
        AudioBlock startBlock;
        int from = 0;
        if (tail is null)
        {
            // Empty: the chunk starts at the first new block.
            AudioBlock first = _rentScratch[0]!;
            _rentScratch[0] = null;
            _blocks.StartWith(first);
            startBlock = first;
            from = 1;
        }
        else if (start == tail.RunningIndex + tail.Length)
        {
            // The tail is full: the chunk starts in the first new block, whose address is the tail address.
            startBlock = _rentScratch[0]!;
        }
        else
        {
            startBlock = tail;
        }

        for (int i = from; i < rented; i++)
        {
            _blocks.LinkAtTail(_rentScratch[i]!);
            _rentScratch[i] = null;
        }

        BlockChain.CopyIn(chunk, startBlock, start);
        RecordChunk(start, chunk.Length, startBlock);
    }

    /// <summary>The common write: both ends open, no cap reached, the chunk table has room, and the chunk fits in
    /// the tail block's free space or in that and one spare block. Copies and records it; false (nothing changed)
    /// otherwise.</summary>
    private bool TryAppendToTail(ReadOnlySpan<byte> chunk)
    {
        AudioBlock? tail = _blocks.Tail;
        int length = chunk.Length;
        if (tail is null || (_flags & (StateFlags.WriterCompleted | StateFlags.ReaderCompleted)) != 0 || length == 0 || length > _maxChunkBytes
            || _chunks.Count >= _maxChunks || _chunks.Count >= _chunks.Capacity || _held + _buffered + length > _maxBytes)
        {
            return false;
        }

        long start = _blocks.TailAddress;
        int room = (int)(tail.RunningIndex + tail.Length - start);
        AudioBlock startBlock = tail;
        if (length > room)
        {
            // The rest fits in one spare block (a 3200 B frame in 4 KB blocks mostly does): link it.
            AudioBlock? next = _blocks.Spares.Head;
            if (next is null || length - room > next.Length)
            {
                return false;
            }

            _blocks.Spares.TryPop(out _);
            _blocks.LinkAtTail(next);
            if (room == 0)
            {
                startBlock = next;
            }
        }

        _written += length;
        BlockChain.CopyIn(chunk, startBlock, start);
        RecordChunk(start, length, startBlock);
        return true;
    }

    /// <summary>Records a chunk just copied in at <paramref name="start"/> and wakes a waiting read it satisfies
    /// (continuations run asynchronously, so completing the read under the lock runs no reader code here).</summary>
    private void RecordChunk(long start, int length, AudioBlock startBlock)
    {
        _blocks.TailAddress = start + length;
        if (_chunks.AllHeld)
        {
            _unheldStart = start;
            _unheldBlock = startBlock;
        }

        _chunks.Add(start, length);
        _buffered += length;
        StateFlags flags = (_flags | StateFlags.WrittenSinceRead) & ~StateFlags.WaitForNew;
        _flags = flags;
        if ((flags & StateFlags.Pending) != 0)
        {
            CompletePendingIfReady();
        }
    }
}
