namespace SessionGuard.Audio;

// Losing audio: evicting the oldest chunk not handed to the reader, and noting the discontinuity.
public sealed partial class AudioRingBuffer
{
    /// <summary>Evicts the oldest chunk not handed to the reader. Returns its (remaining) bytes.</summary>
    private long EvictOldestBuffered()
    {
        ChunkTable.Record victim = _chunks.RemoveOldestBuffered();
        _buffered -= victim.Length;
        _dropped += victim.Length;
        _droppedChunks++;

        long next = _chunks.AllHeld ? _blocks.TailAddress : _chunks.At(_chunks.Held).Start;
        if (Holding && _viewEndBlock is not null)
        {
            GapDuringHold = true;
            AdvanceUnheldStart(next);
            ReleaseGapBlocks();
        }
        else
        {
            AdvanceUnheldStart(next);
            NoteLoss();
            ReleaseLeadingBlocks();
        }

        return victim.Length;
    }

    private void NoteLoss()
    {
        if (Holding && _viewEndBlock is not null)
        {
            GapDuringHold = true;
        }
        else
        {
            _lastGap = _consumed;
        }

        // A read waiting for a minimum while unread audio is lost: the caps (or the pool) stop the buffer short of it,
        // since a waiting reader holds nothing, so the buffer is full. The read takes what there is.
        if (Pending)
        {
            _pendingMinimum = 1;
        }
    }

    private void AdvanceUnheldStart(long next)
    {
        _unheldStart = next;
        if (_chunks.AllHeld)
        {
            _unheldBlock = null;
            return;
        }

        AudioBlock b = _unheldBlock!;
        while (b.RunningIndex + b.Length <= next)
        {
            b = b.NextBlock!;
        }

        _unheldBlock = b;
    }
}
