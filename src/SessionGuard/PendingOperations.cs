using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard;

/// <summary>
/// Asynchronous operations in flight, one per key, each with a timeout. An entry leaves the map the moment its
/// operation succeeds, fails, is cancelled or times out, so failed and timed-out work can never pile up.
/// </summary>
/// <typeparam name="TKey">
/// The key: a <see cref="SessionId"/>, a <see cref="string"/> holding a session id's value, or a composite key
/// holding a <see cref="SessionId"/>. A <c>default(SessionId)</c> key is rejected.
/// </typeparam>
/// <typeparam name="TResult">The operation's result.</typeparam>
/// <remarks>
/// Thread-safe. As a <see cref="SessionScopedAttribute"/> member, the generated release cancels every operation of
/// the ending session (<see cref="Cancel(TKey)"/> or <see cref="CancelAll{TState}(Func{TKey, TState, bool}, TState)"/>).
/// </remarks>
public sealed class PendingOperations<TKey, TResult>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates an empty set of pending operations.</summary>
    /// <param name="comparer">Compares keys; the default comparer when null.</param>
    /// <param name="timeProvider">Runs the timeouts; <see cref="TimeProvider.System"/> when null.</param>
    public PendingOperations(IEqualityComparer<TKey>? comparer = null, TimeProvider? timeProvider = null)
    {
        _entries = new ConcurrentDictionary<TKey, Entry>(comparer);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How many operations are pending now.</summary>
    public int Count => _entries.Count;

    /// <summary>The keys of the operations in flight now (a snapshot).</summary>
    public IReadOnlyCollection<TKey> Keys => (IReadOnlyCollection<TKey>)_entries.Keys;

    /// <summary>True when an operation is pending for <paramref name="key"/>.</summary>
    public bool Contains(TKey key) => _entries.ContainsKey(key);

    /// <summary>
    /// Starts <paramref name="operation"/> for <paramref name="key"/>. The returned task completes with the
    /// operation's result, fault or cancellation; after <paramref name="timeout"/> the operation's token is
    /// cancelled and the task faults with <see cref="TimeoutException"/>. In every case the entry leaves the map.
    /// </summary>
    /// <param name="key">The key; at most one operation per key is pending.</param>
    /// <param name="operation">The operation; it receives a token cancelled on timeout or <see cref="Cancel(TKey)"/>.</param>
    /// <param name="timeout">A positive time, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="operation"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is <c>default(SessionId)</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is zero, negative (other than infinite) or too large.</exception>
    /// <exception cref="InvalidOperationException">An operation is already pending for <paramref name="key"/>; use <see cref="StartOrJoin"/> or <see cref="TryJoin"/>.</exception>
    public Task<TResult> Start(TKey key, Func<CancellationToken, Task<TResult>> operation, TimeSpan timeout)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(operation);
        ValidateTimeout(timeout);
        var entry = new Entry(this, key);
        if (!_entries.TryAdd(key, entry))
        {
            throw new InvalidOperationException($"An operation is already pending for key '{key}'. Use StartOrJoin or TryJoin to share it.");
        }

        entry.Run(operation, timeout);
        return entry.Task;
    }

    /// <summary>
    /// Joins the operation pending for <paramref name="key"/>, or starts <paramref name="operation"/> when there is
    /// none. Concurrent callers for one key share one operation.
    /// </summary>
    /// <inheritdoc cref="Start" path="/param"/>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="operation"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is <c>default(SessionId)</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is zero, negative (other than infinite) or too large.</exception>
    public Task<TResult> StartOrJoin(TKey key, Func<CancellationToken, Task<TResult>> operation, TimeSpan timeout)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(operation);
        ValidateTimeout(timeout);
        while (true)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                return existing.Task;
            }

            var entry = new Entry(this, key);
            if (_entries.TryAdd(key, entry))
            {
                entry.Run(operation, timeout);
                return entry.Task;
            }
        }
    }

    /// <summary>Gets the task of the operation pending for <paramref name="key"/>, if any.</summary>
    public bool TryJoin(TKey key, out Task<TResult> task)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            task = entry.Task;
            return true;
        }

        task = null!;
        return false;
    }

    /// <summary>
    /// Cancels the operation pending for <paramref name="key"/>: its token is cancelled, its task is cancelled and
    /// the entry leaves the map.
    /// </summary>
    /// <returns>True when an operation was pending.</returns>
    public bool Cancel(TKey key)
    {
        if (_entries.TryRemove(key, out var entry))
        {
            entry.Cancel();
            return true;
        }

        return false;
    }

    /// <summary>Cancels every pending operation whose key matches <paramref name="predicate"/>.</summary>
    /// <returns>How many operations were cancelled.</returns>
    public int CancelAll(Func<TKey, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return CancelAll(static (key, p) => p(key), predicate);
    }

    /// <summary>
    /// Cancels every pending operation whose key matches <paramref name="predicate"/>, passing
    /// <paramref name="state"/> so that a static lambda needs no closure.
    /// </summary>
    /// <returns>How many operations were cancelled.</returns>
    public int CancelAll<TState>(Func<TKey, TState, bool> predicate, TState state)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        int cancelled = 0;
        foreach (var pair in _entries)
        {
            if (predicate(pair.Key, state) && _entries.TryRemove(pair))
            {
                pair.Value.Cancel();
                cancelled++;
            }
        }

        return cancelled;
    }

    private static void ValidateKey(TKey key)
    {
        if (key is null)
        {
            throw new ArgumentNullException(nameof(key));
        }

        if (typeof(TKey) == typeof(SessionId))
        {
            SessionId.ThrowIfDefault((SessionId)(object)key, nameof(key));
        }
    }

    private static void ValidateTimeout(TimeSpan timeout)
    {
        if (timeout != Timeout.InfiniteTimeSpan && (timeout <= TimeSpan.Zero || timeout.TotalMilliseconds > uint.MaxValue - 1))
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive (and at most about 49 days), or Timeout.InfiniteTimeSpan.");
        }
    }

    private sealed class Entry
    {
        private const int Running = 0;
        private const int Finished = 1;

        private readonly PendingOperations<TKey, TResult> _owner;
        private readonly TKey _key;
        private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _cts = new();
        private ITimer? _timer;
        private int _state;

        public Entry(PendingOperations<TKey, TResult> owner, TKey key)
        {
            _owner = owner;
            _key = key;
        }

        public Task<TResult> Task => _completion.Task;

        public void Run(Func<CancellationToken, Task<TResult>> operation, TimeSpan timeout)
        {
            // The entry is already in the map, so a Cancel or CancelAll can finish it before the timer exists and
            // find no timer to dispose. Publishing the timer with a full fence and then reading the state (while
            // Cancel sets the state with a full fence and then reads the timer) means one of the two disposes it.
            if (timeout != Timeout.InfiniteTimeSpan)
            {
                var timer = _owner._timeProvider.CreateTimer(static s => ((Entry)s!).OnTimeout(), this, timeout, Timeout.InfiniteTimeSpan);
                Interlocked.Exchange(ref _timer, timer);
                if (Volatile.Read(ref _state) != Running)
                {
                    timer.Dispose();
                }
            }

            if (Volatile.Read(ref _state) != Running)
            {
                // Cancelled before it started: the operation never runs.
                _cts.Dispose();
                return;
            }

            Task<TResult> work;
            try
            {
                work = operation(_cts.Token) ?? throw new InvalidOperationException($"The operation for key '{_key}' returned a null task.");
            }
            catch (Exception ex)
            {
                work = System.Threading.Tasks.Task.FromException<TResult>(ex);
            }

            if (work.IsCompleted)
            {
                OnCompleted(work);
            }
            else
            {
                work.ContinueWith(static (t, s) => ((Entry)s!).OnCompleted(t), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        public void Cancel()
        {
            if (Interlocked.Exchange(ref _state, Finished) != Running)
            {
                return;
            }

            Volatile.Read(ref _timer)?.Dispose();
            CancelToken();
            _completion.TrySetCanceled();
        }

        private void OnTimeout()
        {
            if (Interlocked.Exchange(ref _state, Finished) != Running)
            {
                return;
            }

            _owner._entries.TryRemove(new KeyValuePair<TKey, Entry>(_key, this));
            _timer?.Dispose();
            CancelToken();
            _completion.TrySetException(new TimeoutException($"The operation for key '{_key}' did not complete within its timeout."));
        }

        private void OnCompleted(Task<TResult> work)
        {
            if (Interlocked.Exchange(ref _state, Finished) == Running)
            {
                _owner._entries.TryRemove(new KeyValuePair<TKey, Entry>(_key, this));
                _timer?.Dispose();
                if (work.IsCompletedSuccessfully)
                {
                    _completion.TrySetResult(work.Result);
                }
                else if (work.IsCanceled)
                {
                    _completion.TrySetCanceled();
                }
                else
                {
                    _completion.TrySetException(work.Exception!.InnerExceptions);
                }
            }
            else
            {
                // Cancelled or timed out first; observe the late outcome so it never becomes an unobserved exception.
                _ = work.Exception;
            }

            _cts.Dispose();
        }

        private void CancelToken()
        {
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The operation already finished and released its token source.
            }
            catch (AggregateException)
            {
                // A callback registered by the operation threw; the operation's own task reports it.
            }
        }
    }
}
