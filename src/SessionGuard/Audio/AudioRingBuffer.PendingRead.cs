using System;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks.Sources;

namespace SessionGuard.Audio;

// The pending read: the IValueTaskSource a read that waits returns, its cancellation and its completion.
public sealed partial class AudioRingBuffer
{
    // [lock] The pending read. Exceptions: _registeringThread is read through Volatile by the cancellation callback;
    // _source is completed outside the lock by the one thread that cleared the Pending flag under it.
    private ManualResetValueTaskSourceCore<ReadResult> _source;
    private int _pendingMinimum;
    private CancellationTokenRegistration _pendingRegistration;
    private CancellationToken _pendingToken;
    private int _registeringThread;
    private Exception? _pendingError;

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
}
