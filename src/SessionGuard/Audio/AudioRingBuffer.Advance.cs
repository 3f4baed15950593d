using System;
using System.Diagnostics;
using System.Threading;

namespace SessionGuard.Audio;

// Advancing: resolving AdvanceTo's positions against the view, the advance the reader posts without the lock, and
// applying an advance to the counters, the chunk records and the blocks.
public sealed partial class AudioRingBuffer
{
    // [volatile] A partial AdvanceTo posted by the reader without taking the lock; the next locked section applies it
    // first. The reader writes the positions, then publishes _advancePosted through Volatile; the lock holder reads
    // _advancePosted, then the positions, and clears it through Volatile once applied.
    private bool _advancePosted;
    private long _postedConsumed;
    private long _postedExamined;

    /// <summary>Resolves an AdvanceTo's positions without the lock. False when they do not resolve: the locked path
    /// then resolves them again and throws what is wrong, which a disposal completing the reader meanwhile (it drops
    /// the view from another thread) turns into the documented error for reading after completion.</summary>
    private bool TryResolveWithoutLock(SequencePosition consumed, SequencePosition examined, out long consumedAddr, out long examinedAddr)
    {
        try
        {
            (consumedAddr, examinedAddr) = Resolve(consumed, examined);
            return true;
        }
        catch (InvalidOperationException)
        {
            consumedAddr = 0;
            examinedAddr = 0;
            return false;
        }
    }

    /// <summary>The addresses of an AdvanceTo's positions, validated against the view and each other.</summary>
    private (long Consumed, long Examined) Resolve(SequencePosition consumed, SequencePosition examined)
    {
        long consumedAddr = Resolve(consumed);
        long examinedAddr = Resolve(examined);
        if (examinedAddr < consumedAddr)
        {
            AudioThrowHelper.ThrowInvalidOperation_ExaminedBeforeConsumed();
        }

        return (consumedAddr, examinedAddr);
    }

    private long Resolve(SequencePosition position)
    {
        object? obj = position.GetObject();
        if (obj is null)
        {
            return _viewStart;
        }

        AudioBlock? block = obj as AudioBlock;
        if (block is null)
        {
            // A position from another sequence (an array, a Pipe's segment, anything).
            AudioThrowHelper.ThrowInvalidOperation_PositionBeyondView();
        }

        long addr = block.RunningIndex + position.GetInteger();
        if (_viewEndBlock is null || !ReferenceEquals(block.Owner, this) || addr > _viewEnd)
        {
            if (ReferenceEquals(block.Owner, this) && addr < _viewStart)
            {
                AudioThrowHelper.ThrowInvalidOperation_AdvancedPast();
            }

            AudioThrowHelper.ThrowInvalidOperation_PositionBeyondView();
        }

        if (addr < _viewStart)
        {
            AudioThrowHelper.ThrowInvalidOperation_AdvancedPast();
        }

        return addr;
    }

    /// <summary>Applies the advance the reader posted without the lock (see <see cref="AdvanceTo(SequencePosition, SequencePosition)"/>);
    /// under the lock. A reader completed meanwhile has dropped the view, and the advance with it.</summary>
    private void ApplyPostedAdvance()
    {
        if (Holding && !ReaderCompleted)
        {
            AdvanceCore(_postedConsumed, _postedExamined);
        }

        // After Holding is false: a reader that sees no posted advance sees the view released.
        Volatile.Write(ref _advancePosted, false);
    }

    private void AdvanceCore(long consumedAddr, long examinedAddr)
    {
        long consumedBytes = consumedAddr - _viewStart;
        Debug.Assert(consumedBytes >= 0 && consumedBytes <= _held, "The advance lies outside the held view.");
        Debug.Assert(_viewEndBlock is not null || consumedBytes == 0, "An empty view was advanced past its start.");
        _consumed += consumedBytes;

        // Pop held chunks consumed entirely; shorten a partly consumed one.
        while (_chunks.Held > 0)
        {
            ref ChunkTable.Record c = ref _chunks.Oldest();
            long end = c.Start + c.Length;
            if (end <= consumedAddr)
            {
                _chunks.RemoveOldest();
                _chunks.Held--;
            }
            else
            {
                if (c.Start < consumedAddr)
                {
                    c.Length -= (int)(consumedAddr - c.Start);
                    c.Start = consumedAddr;
                }

                break;
            }
        }

        long rest = _held - consumedBytes;
        bool examinedAll = examinedAddr == _viewEnd && !WrittenSinceRead;
        if (GapDuringHold)
        {
            _dropped += rest;
            _droppedChunks += _chunks.Held;
            for (int i = _chunks.Held; i > 0; i--)
            {
                _chunks.RemoveOldest();
            }

            _lastGap = _consumed;
        }
        else
        {
            _buffered += rest;
            if (rest > 0)
            {
                AudioBlock block = _viewEndBlock!;
                if (consumedAddr >= block.RunningIndex)
                {
                    _unheldBlock = block;
                }
                else
                {
                    AudioBlock b = _blocks.Head!;
                    while (b.RunningIndex + b.Length <= consumedAddr)
                    {
                        b = b.NextBlock!;
                    }

                    _unheldBlock = b;
                }

                _unheldStart = consumedAddr;
            }
        }

        _chunks.Held = 0;
        _held = 0;
        Holding = false;
        _viewEndBlock = null;
        WaitForNew = examinedAll;
        ReleaseLeadingBlocks();
    }
}
