using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
#if NET9_0_OR_GREATER
using Gate = System.Threading.Lock;
#else
using Gate = System.Object;
#endif

namespace SessionGuard;

/// <summary>
/// One live session of a <see cref="SessionRegistry"/>: everything started or owned through it is cancelled,
/// awaited, disposed or deleted when it ends, in that order.
/// </summary>
/// <remarks>Get sessions from <see cref="SessionRegistry.Open"/> or <see cref="SessionRegistry.GetOrOpen"/>. Thread-safe.</remarks>
public sealed partial class Session
{
    private const int StateActive = 0;
    private const int StateEnding = 1;
    private const int StateEnded = 2;

    // Installed in place of a token source nobody asked for when the session ends: already cancelled, never disposed.
    private static readonly CancellationTokenSource CancelledSource = CreateCancelled();

    private readonly SessionRegistry _registry;
    private readonly Gate _gate = new();
    private CancellationTokenSource? _ending; // created on first use of Ending or Run
    private long _lastActivityTicks;
    private int _state;

    // Guarded by _gate.
    private TaskNode? _tasks;
    private int _running;
    private int _tasksStarted;
    private List<object>? _owned;
    private List<string>? _tempFiles;
    private TaskCompletionSource? _drained;
    private Task<SessionTeardownReport>? _teardown;

    private int _tasksFaulted;

    internal Session(SessionRegistry registry, SessionId id, DateTimeOffset now)
    {
        _registry = registry;
        Id = id;
        OpenedAt = now;
        _lastActivityTicks = now.UtcTicks;
    }

    /// <summary>The session's id.</summary>
    public SessionId Id { get; }

    /// <summary>Cancelled when the session begins ending (first step of the teardown), and a cancelled token at every
    /// moment after that, the end of the teardown included: never an <see cref="ObjectDisposedException"/>, and a
    /// callback registered on it after the end runs at once.</summary>
    public CancellationToken Ending
    {
        get
        {
            CancellationTokenSource source = EndingSource;
            try
            {
                return source.Token;
            }
            catch (ObjectDisposedException)
            {
                // Read just before the teardown's end swapped in the shared cancelled source and disposed this one.
                return CancelledSource.Token;
            }
        }
    }

    /// <summary>When the session was opened.</summary>
    public DateTimeOffset OpenedAt { get; }

    /// <summary>The last time <see cref="Touch"/> was called (or the opening time).</summary>
    public DateTimeOffset LastActivity => new(Volatile.Read(ref _lastActivityTicks), TimeSpan.Zero);

    /// <summary>True until the session begins ending.</summary>
    public bool IsActive => Volatile.Read(ref _state) == StateActive;

    /// <summary>True once the teardown has finished.</summary>
    public bool IsEnded => Volatile.Read(ref _state) == StateEnded;

    /// <summary>Tasks started with <see cref="Run"/> that are still running.</summary>
    public int RunningTasks
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    internal long LastActivityTicks => Volatile.Read(ref _lastActivityTicks);

    /// <summary>This session's place in the registry's idle order (EvictIdlest only), emptied when it begins ending.</summary>
    internal IdleOrder.Entry? IdleEntry { get; set; }

    private CancellationTokenSource EndingSource
    {
        get
        {
            var source = Volatile.Read(ref _ending);
            if (source is not null)
            {
                return source;
            }

            var created = new CancellationTokenSource();
            source = Interlocked.CompareExchange(ref _ending, created, null);
            if (source is null)
            {
                return created;
            }

            created.Dispose();
            return source;
        }
    }

    /// <summary>Marks activity now, postponing idle expiry. Cheap enough to call per received frame.</summary>
    public void Touch() => Volatile.Write(ref _lastActivityTicks, _registry.Time.GetUtcNow().UtcTicks);

    /// <summary>
    /// Runs <paramref name="work"/> as a task owned by this session: the safe replacement for fire-and-forget.
    /// Its token is <see cref="Ending"/>; when the session ends, teardown cancels it and awaits it up to
    /// <see cref="SessionRegistryOptions.TaskDrainTimeout"/>. Its exceptions are observed, logged and counted.
    /// A finished task stops being tracked at once.
    /// </summary>
    /// <remarks>
    /// <paramref name="work"/> is invoked on the calling thread and runs synchronously until its first await, like a call
    /// to an async method; start CPU-bound work with <see cref="Task.Run(Func{Task})"/> inside it.
    /// </remarks>
    /// <param name="work">The work; it should stop when the token is cancelled.</param>
    /// <param name="name">A name for logs and teardown reports.</param>
    /// <returns>The work's own task (awaiting it is optional: its faults are already observed).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The session is ending or has ended.</exception>
    public Task Run(Func<CancellationToken, Task> work, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        TaskNode node;
        lock (_gate)
        {
            ThrowIfNotActive();
            node = new TaskNode(this, name, ++_tasksStarted);
            node.Next = _tasks;
            if (_tasks is not null)
            {
                _tasks.Previous = node;
            }

            _tasks = node;
            _running++;
        }

        _registry.Instruments.TasksRunning.Add(1);
        Task task;
        try
        {
            task = work(EndingSource.Token) ?? Task.FromException(new InvalidOperationException($"A task of session '{Id}' ({node.DisplayName}) returned null instead of a Task."));
        }
        catch (OperationCanceledException oce) when (oce.CancellationToken.IsCancellationRequested && oce.CancellationToken == Ending)
        {
            task = Task.FromCanceled(oce.CancellationToken);
        }
        catch (Exception ex)
        {
            task = Task.FromException(ex);
        }

        node.Task = task;
        if (task.IsCompleted)
        {
            node.Complete(task);
        }
        else
        {
            task.ContinueWith(static (t, s) => ((TaskNode)s!).Complete(t), node, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return task;
    }

    /// <summary>
    /// Makes <paramref name="resource"/> owned by this session: it is disposed at teardown, after the session's
    /// tasks were drained, last owned first, <see cref="IAsyncDisposable.DisposeAsync"/> preferred, each within
    /// <see cref="SessionRegistryOptions.DisposeTimeout"/>.
    /// </summary>
    /// <typeparam name="T">An <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/> reference type.</typeparam>
    /// <param name="resource">The resource.</param>
    /// <returns><paramref name="resource"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is neither <see cref="IDisposable"/> nor <see cref="IAsyncDisposable"/>.</exception>
    /// <exception cref="ObjectDisposedException">
    /// The session is ending or has ended; <paramref name="resource"/> was disposed before the throw, so it does not leak.
    /// </exception>
    public T Own<T>(T resource)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (resource is not IDisposable && resource is not IAsyncDisposable)
        {
            throw new ArgumentException($"Session.Own takes IDisposable or IAsyncDisposable resources; {resource.GetType().FullName} is neither.", nameof(resource));
        }

        lock (_gate)
        {
            if (_state == StateActive)
            {
                (_owned ??= new List<object>(4)).Add(resource);
                return resource;
            }
        }

        DisposeLate(resource);
        throw NotActive();
    }

    /// <summary>
    /// Creates an empty temp file owned by this session, readable and writable only by the current user, in one
    /// per-process folder; it is deleted at teardown (even if the code that made it failed before its cleanup).
    /// </summary>
    /// <param name="extension">The extension, with or without the dot: 1 to 15 ASCII letters, digits, '_' or '-'.</param>
    /// <returns>The file's full path.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="extension"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="extension"/> is empty, too long, or holds other characters.</exception>
    /// <exception cref="ObjectDisposedException">The session is ending or has ended.</exception>
    public string CreateTempFile(string extension)
    {
        string ext = TempFiles.NormalizeExtension(extension);
        ThrowIfNotActiveLocked();
        string path = _registry.TempFiles.Create(ext);
        lock (_gate)
        {
            if (_state == StateActive)
            {
                (_tempFiles ??= new List<string>(2)).Add(path);
                return path;
            }
        }

        File.Delete(path);
        throw NotActive();
    }

    /// <summary>
    /// Ends this session (see <see cref="SessionRegistry.EndAsync"/>). Every call, concurrent or later, returns the same report.
    /// The teardown runs on the thread pool, never on the caller's thread.
    /// </summary>
    /// <param name="reason">The reason recorded if this call starts the teardown.</param>
    /// <param name="cancellationToken">Stops this caller's wait (the returned task is cancelled); the teardown itself
    /// always runs to the end.</param>
    public Task<SessionTeardownReport> EndAsync(SessionEndReason reason = SessionEndReason.Closed, CancellationToken cancellationToken = default)
    {
        var teardown = _registry.EndSessionAsync(this, reason);
        return cancellationToken.CanBeCanceled && !teardown.IsCompleted ? teardown.WaitAsync(cancellationToken) : teardown;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Session {Id} ({(IsActive ? "active" : IsEnded ? "ended" : "ending")})";

    /// <summary>
    /// Begins ending: from here on Run/Own/CreateTempFile throw. Returns null when another caller began first
    /// (then <paramref name="teardown"/> is that caller's teardown).
    /// </summary>
    internal bool TryBeginEnding(out EndingSnapshot snapshot, out Task<SessionTeardownReport> teardown, out TaskCompletionSource<SessionTeardownReport>? completion)
    {
        lock (_gate)
        {
            if (_teardown is not null)
            {
                teardown = _teardown;
                completion = null;
                snapshot = default;
                return false;
            }

            completion = new TaskCompletionSource<SessionTeardownReport>(TaskCreationOptions.RunContinuationsAsynchronously);
            teardown = _teardown = completion.Task;
            _state = StateEnding;
            if (_running > 0)
            {
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            snapshot = new EndingSnapshot(_running, _drained?.Task, _owned, _tempFiles);
            _owned = null;
            _tempFiles = null;
            return true;
        }
    }

    /// <summary>Cancels <see cref="Ending"/>; when nobody asked for it yet, later readers get an already-cancelled token.</summary>
    internal void CancelEnding()
    {
        var source = Interlocked.CompareExchange(ref _ending, CancelledSource, null);
        source?.Cancel();
    }

    internal (int Started, int Faulted) TaskCounts()
    {
        lock (_gate)
        {
            return (_tasksStarted, Volatile.Read(ref _tasksFaulted));
        }
    }

    internal List<string> RunningTaskNames()
    {
        var names = new List<string>();
        lock (_gate)
        {
            for (var node = _tasks; node is not null; node = node.Next)
            {
                // A task that completed but whose completion callback is still queued has drained.
                if (node.Task is not { IsCompleted: true })
                {
                    names.Add(node.DisplayName);
                }
            }
        }

        return names;
    }

    internal void MarkEnded(bool disposeToken)
    {
        Volatile.Write(ref _state, StateEnded);

        // From here on Ending is the shared cancelled token, so reading it never meets the disposed source.
        var source = Interlocked.Exchange(ref _ending, CancelledSource);
        if (disposeToken && source is not null && source != CancelledSource)
        {
            source.Dispose();
        }
    }

    private static CancellationTokenSource CreateCancelled()
    {
        var source = new CancellationTokenSource();
        source.Cancel();
        return source;
    }

    private void DisposeLate(object resource)
    {
        try
        {
            if (resource is IDisposable disposable)
            {
                disposable.Dispose();
            }
            else
            {
                var pending = ((IAsyncDisposable)resource).DisposeAsync();
                if (pending.IsCompleted)
                {
                    pending.GetAwaiter().GetResult();
                }
                else
                {
                    pending.AsTask().ContinueWith(
                        static (t, s) => ((Session)s!).OnLateDisposeFailed(t.Exception!),
                        this,
                        CancellationToken.None,
                        TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                }
            }
        }
        catch (Exception ex)
        {
            OnLateDisposeFailed(ex);
        }
    }

    private void OnLateDisposeFailed(Exception ex) => Log.LateOwnDisposeFailed(_registry.Logger, ex, Id);

    private void ThrowIfNotActive()
    {
        if (_state != StateActive)
        {
            throw NotActive();
        }
    }

    private void ThrowIfNotActiveLocked()
    {
        lock (_gate)
        {
            ThrowIfNotActive();
        }
    }

    private ObjectDisposedException NotActive() =>
        new($"Session {Id}", $"Session '{Id}' is {(IsEnded ? "ended" : "ending")}: it takes no new tasks, resources or temp files.");

    private void OnTaskCompleted(TaskNode node, Task task)
    {
        if (task.IsFaulted)
        {
            Exception error = task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException! : task.Exception;
            Interlocked.Increment(ref _tasksFaulted);
            _registry.Instruments.TasksFaulted.Add(1);
            Log.TaskFaulted(_registry.Logger, error, Id, node.DisplayName);
        }

        _registry.Instruments.TasksRunning.Add(-1);
        lock (_gate)
        {
            if (node.Previous is not null)
            {
                node.Previous.Next = node.Next;
            }
            else
            {
                _tasks = node.Next;
            }

            if (node.Next is not null)
            {
                node.Next.Previous = node.Previous;
            }

            node.Next = node.Previous = null;
            if (--_running == 0)
            {
                _drained?.TrySetResult();
            }
        }
    }

    internal readonly struct EndingSnapshot
    {
        public EndingSnapshot(int runningTasks, Task? drained, List<object>? owned, List<string>? tempFiles)
        {
            RunningTasks = runningTasks;
            Drained = drained;
            Owned = owned;
            TempFiles = tempFiles;
        }

        public int RunningTasks { get; }

        public Task? Drained { get; }

        public List<object>? Owned { get; }

        public List<string>? TempFiles { get; }
    }

    private sealed class TaskNode
    {
        private readonly Session _session;
        private readonly string? _name;
        private readonly int _sequence;

        public TaskNode(Session session, string? name, int sequence)
        {
            _session = session;
            _name = name;
            _sequence = sequence;
        }

        public TaskNode? Next { get; set; }

        public TaskNode? Previous { get; set; }

        /// <summary>The work's task; null while the work still runs synchronously inside <see cref="Run"/>.</summary>
        public Task? Task { get; set; }

        public string DisplayName => _name ?? "task #" + _sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public void Complete(Task task) => _session.OnTaskCompleted(this, task);
    }
}
