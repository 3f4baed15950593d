using System;
using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace SessionGuard.Audio;

// The reader: PipeReader and the pending read's IValueTaskSource.
public sealed partial class AudioRingBuffer
{
    // [reader] [lock] The view handed to the reader: set by its reads, cleared by its advances (or a posted one), all
    // under the lock, and read without the lock by AdvanceTo to resolve positions. Besides those, only CompleteReader
    // and, while no view is held, ReleaseAllBlocks change them, under the lock.
    private long _viewStart;
    private long _viewEnd;
    private AudioBlock? _viewEndBlock;

    // [volatile] A partial AdvanceTo posted by the reader without taking the lock; the next locked section applies it
    // first. The reader writes the positions, then publishes _advancePosted through Volatile; the lock holder reads
    // _advancePosted, then the positions, and clears it through Volatile once applied.
    private bool _advancePosted;
    private long _postedConsumed;
    private long _postedExamined;

    // [lock] The pending read. Exceptions: _registeringThread is read through Volatile by the cancellation callback;
    // _source is completed outside the lock by the one thread that cleared the Pending flag under it.
    private ManualResetValueTaskSourceCore<ReadResult> _source;
    private int _pendingMinimum;
    private CancellationTokenRegistration _pendingRegistration;
    private CancellationToken _pendingToken;
    private int _registeringThread;
    private Exception? _pendingError;

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

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token)
    {
        // Throws what the wait ended with (the producer's error, the token's cancellation) and validates the token.
        _source.GetResult(token);
        using (Enter())
        {
            if (!Owed)
            {
                AudioThrowHelper.ThrowInvalidOperation_NoReadToComplete();
            }

            Owed = false;
            if (ReaderCompleted)
            {
                // Completed (or disposed) after the wake: nothing to hand over.
                return new ReadResult(default, isCanceled: false, isCompleted: true);
            }

            return TakeResult();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _source.OnCompleted(continuation, state, token, flags);

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

    /// <summary>Registers the pending read's cancellation, under the lock. A token cancelled on another thread since
    /// the read checked it runs the callback inside <c>UnsafeRegister</c>, on this thread, which holds the lock: the
    /// callback then only notes it (taking the lock would spin forever), and the read ends cancelled. False then.</summary>
    private bool RegisterCancellation(CancellationToken cancellationToken)
    {
        _registeringThread = Environment.CurrentManagedThreadId;
        CancelledWhileRegistering = false;
        try
        {
            BeforeCancellationRegisteredForTests?.Invoke();
            _pendingRegistration = cancellationToken.UnsafeRegister(static s => ((AudioRingBuffer)s!).OnReadCancelled(), this);
        }
        finally
        {
            _registeringThread = 0;
        }

        if (!CancelledWhileRegistering)
        {
            return true;
        }

        Pending = false;
        _pendingToken = default;
        _pendingRegistration = default;
        return false;
    }

    /// <summary>Tests only: runs in a read's registration of its token, with the lock held, just before the token is
    /// registered.</summary>
    internal Action? BeforeCancellationRegisteredForTests { get; set; }

    private void OnReadCancelled()
    {
        if (Volatile.Read(ref _registeringThread) == Environment.CurrentManagedThreadId)
        {
            // Called inside RegisterCancellation, under the lock this thread holds.
            CancelledWhileRegistering = true;
            return;
        }

        CancellationToken token;
        using (Enter())
        {
            if (!Pending)
            {
                return;
            }

            Pending = false;
            token = _pendingToken;
            _pendingToken = default;
            _pendingRegistration = default;
        }

        _source.SetException(new OperationCanceledException(token));
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

    private bool TryTakePendingResult(out ReadResult result)
    {
        result = default;
        if (!Pending || !IsReady(_pendingMinimum))
        {
            return false;
        }

        if (FailedWriter() is not null)
        {
            // The producer failed: the waiting reader gets its exception (thrown by GetResult), not the producer.
            _pendingError = _writerError!.SourceException;
        }
        else
        {
            Owed = true;
        }

        Pending = false;
        _pendingRegistration.Unregister();
        _pendingRegistration = default;
        _pendingToken = default;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CompletePendingIfReady()
    {
        if (TryTakePendingResult(out ReadResult result))
        {
            CompletePending(result);
        }
    }

    private void CompletePending(ReadResult result)
    {
        Exception? error = _pendingError;
        if (error is not null)
        {
            _pendingError = null;
            _source.SetException(error);
        }
        else
        {
            _source.SetResult(result);
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
