using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.Audio;

// The reader: PipeReader's surface, handing what is buffered to the reader as a view, and completing the reader. The
// pending read is in AudioRingBuffer.PendingRead.cs, resolving and applying an advance in .Advance.cs.
public sealed partial class AudioRingBuffer
{
    // [reader] [lock] The view handed to the reader: set by its reads, cleared by its advances (or a posted one), all
    // under the lock, and read without the lock by AdvanceTo to resolve positions. Besides those, only CompleteReader
    // and, while no view is held, ReleaseAllBlocks change them, under the lock.
    private long _viewStart;
    private long _viewEnd;
    private AudioBlock? _viewEndBlock;

    /// <summary>Reads everything buffered, waiting for a write when nothing is (see <see cref="PipeReader.ReadAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The read. As with <see cref="Pipe"/>, a read that waited gets everything buffered when its result is
    /// taken. Unlike <see cref="Pipe"/>, that can be nothing, neither cancelled nor completed, when the audio that woke
    /// it was evicted before the reader ran: advance the empty view and read again.</returns>
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => ReadCore(0, cancellationToken);

    /// <summary>Reads once at least <paramref name="minimumSize"/> bytes are buffered (or the writer completed, or
    /// the read was cancelled): a recognizer can wake once per 100 ms frame rather than once per 20 ms chunk. When the
    /// buffer loses unread audio while the read waits (a write evicts or is dropped), the caps or the pool stop it
    /// short of the minimum (<see cref="AudioRingBufferOptions.MaxChunks"/> times the chunk size can be under it), so
    /// the read completes with what is buffered instead of waiting for a minimum it cannot reach.</summary>
    /// <param name="minimumSize">The fewest bytes to wait for; at most <see cref="AudioRingBufferOptions.MaxBytes"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The read.</returns>
    protected override ValueTask<ReadResult> ReadAtLeastAsyncCore(int minimumSize, CancellationToken cancellationToken)
    {
        if (minimumSize > _maxBytes)
        {
            AudioThrowHelper.ThrowArgumentOutOfRange_MinimumSize(minimumSize, _maxBytes);
        }

        return ReadCore(minimumSize, cancellationToken);
    }

    /// <inheritdoc/>
    public override bool TryRead(out ReadResult result)
    {
        using (Enter())
        {
            ThrowIfCannotRead();
            Tentative = false;
            if (TryTakeResult(0, out result))
            {
                return true;
            }

            Tentative = true;
            return false;
        }
    }

    /// <inheritdoc/>
    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    /// <inheritdoc/>
    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        // A partial advance (the reader keeps part of what it saw) needs no lock: the view's fields change only in
        // the reader's own calls, so the reader validates the positions and posts them, and the next locked section
        // (a write, a read, a counter) applies them first. That is where the advance takes effect; until then the
        // writer sees the view as held. Blocks the advance frees return to the pool at that moment too.
        long consumedAddr = 0;
        long examinedAddr = 0;
        bool resolved = false;
        if (!Volatile.Read(ref _advancePosted) && (_flags & (StateFlags.Holding | StateFlags.ReaderCompleted)) == StateFlags.Holding
            && TryResolveWithoutLock(consumed, examined, out consumedAddr, out examinedAddr))
        {
            if (consumedAddr != _viewEnd)
            {
                _postedConsumed = consumedAddr;
                _postedExamined = examinedAddr;
                Volatile.Write(ref _advancePosted, true);
                return;
            }

            // The whole view: applied now, under the lock, so a drained ring returns its blocks at once. The view
            // cannot change meanwhile (only a Complete can end it, checked below), so the positions stay resolved.
            resolved = true;
        }

        using (Enter())
        {
            ThrowIfReaderCompleted();
            if (!Holding)
            {
                if (Tentative)
                {
                    Tentative = false;
                    return;
                }

                AudioThrowHelper.ThrowInvalidOperation_NoReadToComplete();
            }

            if (!resolved)
            {
                (consumedAddr, examinedAddr) = Resolve(consumed, examined);
            }

            AdvanceCore(consumedAddr, examinedAddr);
        }
    }

    /// <inheritdoc/>
    public override void CancelPendingRead()
    {
        bool complete = false;
        ReadResult result = default;
        using (Enter())
        {
            if (ReaderCompleted)
            {
                return;
            }

            CancelNext = true;
            complete = TryTakePendingResult(out result);
        }

        if (complete)
        {
            CompletePending(result);
        }
    }

    /// <summary>Completes the reader: everything buffered or held is dropped (counted) and every block returned;
    /// later writes are dropped and counted. Called by the reader, which is done with the last view it was given.</summary>
    /// <param name="exception">Ignored; accepted for <see cref="PipeReader"/> compatibility.</param>
    public override void Complete(Exception? exception = null) => CompleteReader(keepHeldView: false);

    private void CompleteReader(bool keepHeldView)
    {
        using (Enter())
        {
            if (ReaderCompleted)
            {
                if (!keepHeldView)
                {
                    _blocks.ReleaseRetired();
                }

                return;
            }

            if (keepHeldView && Holding && _viewEndBlock is not null)
            {
                _blocks.Retire(_viewEndBlock);
            }

            ReaderCompleted = true;
            Holding = false;
            Tentative = false;
            _dropped += _buffered + _held;
            _droppedChunks += _chunks.Count;
            _buffered = 0;
            _held = 0;
            _chunks.Clear();
            _viewEndBlock = null;
            ReleaseAllBlocks();
            _chunks.ReleaseArray();
        }
    }

    private ValueTask<ReadResult> ReadCore(int minimum, CancellationToken cancellationToken)
    {
        using (Enter())
        {
            ThrowIfCannotRead();
            Tentative = false;
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<ReadResult>(cancellationToken);
            }

            if (TryTakeResult(minimum, out ReadResult result))
            {
                return new ValueTask<ReadResult>(result);
            }

            _source.Reset();
            Pending = true;
            _pendingMinimum = minimum;
            _pendingToken = cancellationToken;
            short version = _source.Version;
            if (cancellationToken.CanBeCanceled && !RegisterCancellation(cancellationToken))
            {
                return ValueTask.FromCanceled<ReadResult>(cancellationToken);
            }

            return new ValueTask<ReadResult>(this, version);
        }
    }

    private void ThrowIfCannotRead()
    {
        ThrowIfReaderCompleted();
        if ((_flags & (StateFlags.Holding | StateFlags.Pending | StateFlags.Owed)) != 0)
        {
            AudioThrowHelper.ThrowInvalidOperation_AlreadyReading();
        }
    }

    /// <summary>Every reader call after completion throws; it is also the reader's next call after a disposal that
    /// kept its view, whose blocks go back now (<see cref="BlockChain.ReleaseRetired"/>).</summary>
    private void ThrowIfReaderCompleted()
    {
        if (ReaderCompleted)
        {
            _blocks.ReleaseRetired();
            AudioThrowHelper.ThrowInvalidOperation_NoReadingAllowed();
        }
    }

    private bool IsReady(int minimum) => CancelNext || WriterCompleted || (_buffered >= Math.Max(1, minimum) && !WaitForNew);

    private ExceptionDispatchInfo? FailedWriter() => WriterCompleted && !CancelNext ? _writerError : null;

    /// <summary>Hands the buffered data to the reader when a read can complete now.</summary>
    private bool TryTakeResult(int minimum, out ReadResult result)
    {
        if (!IsReady(minimum))
        {
            result = default;
            return false;
        }

        result = TakeResult();
        return true;
    }

    /// <summary>Hands everything buffered to the reader as a view; throws the producer's error if it failed.</summary>
    private ReadResult TakeResult()
    {
        bool cancelled = CancelNext;
        FailedWriter()?.Throw();

        _flags = (_flags | StateFlags.Holding) & ~(StateFlags.CancelNext | StateFlags.WrittenSinceRead | StateFlags.GapDuringHold);
        _chunks.Held = _chunks.Count;
        _held = _buffered;
        _buffered = 0;
        ReadOnlySequence<byte> buffer;
        if (_held == 0)
        {
            buffer = default;
            _viewEndBlock = null;
            _viewStart = _viewEnd = _unheldStart;
        }
        else
        {
            AudioBlock start = _unheldBlock!;
            _viewStart = _unheldStart;
            AudioBlock end = _blocks.Tail!;
            long endAddr = _blocks.TailAddress;
            _viewEnd = endAddr;
            _viewEndBlock = end;
            buffer = new ReadOnlySequence<byte>(start, (int)(_viewStart - start.RunningIndex), end, (int)(endAddr - end.RunningIndex));
            _unheldStart = endAddr;
            _unheldBlock = null;
        }

        return new ReadResult(buffer, cancelled, WriterCompleted);
    }
}
