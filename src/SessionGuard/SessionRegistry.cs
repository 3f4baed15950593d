using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SessionGuard;

/// <summary>
/// The live sessions of a process and the owners of per-session state. Ending a session runs an ordered teardown:
/// cancel its tasks, await them (bounded), dispose what it owns and delete its temp files, release it from every
/// registered <see cref="ISessionScoped"/> owner, then publish a <see cref="SessionTeardownReport"/>. Sessions also
/// end when idle (<see cref="SessionRegistryOptions.IdleTimeout"/>), when evicted under
/// <see cref="SessionRegistryOptions.MaxSessions"/>, and when the registry is disposed.
/// </summary>
/// <remarks>Thread-safe. Ending one session costs the same whatever the number of other live sessions.</remarks>
public sealed partial class SessionRegistry : ISessionOpener, IAsyncDisposable, IDisposable
{
    private readonly SessionRegistryOptions _options;
    private readonly ConcurrentDictionary<SessionId, Session> _sessions = new();

    // Ids being opened now, each by the one caller holding its ticket (see TryOpenNew).
    private readonly ConcurrentDictionary<SessionId, byte> _opening = new();
    private readonly ITimer? _sweepTimer;
    private readonly TeardownWatchdog _watchdog;
    private readonly OwnerCatalog _owners = new();

    // The sessions by idleness, kept only under SessionOverflowPolicy.EvictIdlest.
    private readonly IdleOrder? _idleOrder;
    private SessionReleaseContext? _spareContext;
    private int _activeCount;
    private int _openCount;
    private long _openedTotal;
    private int _sweeping;
    private int _disposeStarted;
    private Task? _disposal;

    /// <summary>Creates a registry.</summary>
    /// <param name="options">Settings; defaults when null. The registry keeps a copy, validated now.</param>
    /// <param name="timeProvider">Time for idle expiry, timeouts and the sweep timer; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="meterFactory">Creates the <c>SessionGuard</c> meter; a meter of the registry's own when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public SessionRegistry(SessionRegistryOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        _options = (options ?? new SessionRegistryOptions()).Clone();
        _options.Validate();
        Time = timeProvider ?? TimeProvider.System;
        Logger = loggerFactory is null ? NullLogger.Instance : new GuardedLogger(loggerFactory.CreateLogger<SessionRegistry>());
        Instruments = new RegistryInstruments(meterFactory, ObserveOwnerEntries);
        TempFiles = new TempFiles(_options.TempRoot);
        _watchdog = new TeardownWatchdog(Time, _options);
        _idleOrder = _options.OverflowPolicy == SessionOverflowPolicy.EvictIdlest ? new IdleOrder() : null;
        if (_options.IdleTimeout != Timeout.InfiniteTimeSpan && _options.SweepInterval != Timeout.InfiniteTimeSpan)
        {
            _sweepTimer = Time.CreateTimer(static s => ((SessionRegistry)s!).OnSweepTimer(), this, _options.SweepInterval, _options.SweepInterval);
        }
    }

    /// <summary>Raised after each teardown with its report. Handler exceptions are logged and ignored.</summary>
    public event EventHandler<SessionTeardownReport>? SessionEnded;

    /// <summary>Sessions open and not ending.</summary>
    public int ActiveCount => Volatile.Read(ref _activeCount);

    /// <summary>The settings in force (a copy of those given).</summary>
    public SessionRegistryOptions Options => _options.Clone();

    /// <summary>The folder that holds this registry's session temp files.</summary>
    public string TempFolder => TempFiles.Folder;

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal RegistryInstruments Instruments { get; }

    internal TempFiles TempFiles { get; }

    /// <summary>Entries in the idle order (ended sessions' not yet dropped included); for tests.</summary>
    internal int IdleOrderCount => _idleOrder?.Count ?? 0;

    /// <summary>
    /// Adds an owner of per-session state: from now on every session that ends is released from it.
    /// </summary>
    /// <param name="owner">The owner (generated or hand-written).</param>
    /// <returns>Dispose it to remove the owner.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="owner"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="owner"/> is already registered.</exception>
    /// <exception cref="ObjectDisposedException">The registry is disposed (or being disposed): no session will end in it again.</exception>
    public IDisposable Register(ISessionScoped owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ThrowIfDisposed();
        return _owners.Register(owner);
    }

    /// <summary>Opens a new session.</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is <c>default(SessionId)</c>.</exception>
    /// <exception cref="InvalidOperationException">A session with this id is open or still ending.</exception>
    /// <exception cref="SessionLimitExceededException">The cap is reached and the policy is <see cref="SessionOverflowPolicy.Reject"/>.</exception>
    /// <exception cref="ObjectDisposedException">The registry is disposed.</exception>
    public Session Open(SessionId id)
    {
        SessionId.ThrowIfDefault(id, nameof(id));
        ThrowIfDisposed();
        _owners.EnsureResolved();
        while (true)
        {
            if (_sessions.TryGetValue(id, out var existing))
            {
                throw AlreadyOpen(existing);
            }

            // Null: another caller is opening this id; once it is done, the id is open (or free again).
            if (TryOpenNew(id) is { } session)
            {
                return session;
            }
        }
    }

    /// <summary>Returns the active session with this id, opening it if there is none. Concurrent callers for one id get the same session.</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is <c>default(SessionId)</c>.</exception>
    /// <exception cref="InvalidOperationException">The session with this id is still ending; await its <see cref="EndAsync"/> first.</exception>
    /// <exception cref="SessionLimitExceededException">The cap is reached and the policy is <see cref="SessionOverflowPolicy.Reject"/>.</exception>
    /// <exception cref="ObjectDisposedException">The registry is disposed.</exception>
    public Session GetOrOpen(SessionId id)
    {
        SessionId.ThrowIfDefault(id, nameof(id));
        ThrowIfDisposed();
        _owners.EnsureResolved();
        while (true)
        {
            if (_sessions.TryGetValue(id, out var existing))
            {
                return existing.IsActive ? existing : throw AlreadyOpen(existing);
            }

            if (TryOpenNew(id) is { } session)
            {
                return session;
            }
        }
    }

    /// <summary>Gets the active session with this id.</summary>
    public bool TryGet(SessionId id, out Session session)
    {
        if (!id.IsDefault && _sessions.TryGetValue(id, out var found) && found.IsActive)
        {
            session = found;
            return true;
        }

        session = null!;
        return false;
    }

    /// <summary>True while a session with this id is open and not ending: owners check it before writing per-session state.</summary>
    public bool IsActive(SessionId id) => TryGet(id, out _);

    /// <summary>
    /// Ends the session with this id and returns its teardown report, or null when no session with this id is open.
    /// Concurrent calls, and calls made while the teardown runs, run the teardown once and all get the same report;
    /// once the session is gone its id is no longer open, so a later call returns null (<see cref="Session.EndAsync"/>
    /// on the session object returns the same report forever).
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="reason">Recorded if this call starts the teardown.</param>
    /// <param name="cancellationToken">Stops this caller's wait; the teardown itself always runs to the end.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is <c>default(SessionId)</c>.</exception>
    public ValueTask<SessionTeardownReport?> EndAsync(SessionId id, SessionEndReason reason = SessionEndReason.Closed, CancellationToken cancellationToken = default)
    {
        SessionId.ThrowIfDefault(id, nameof(id));
        if (!Enum.IsDefined(reason))
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "Unknown SessionEndReason.");
        }

        if (!_sessions.TryGetValue(id, out var session))
        {
            return new ValueTask<SessionTeardownReport?>((SessionTeardownReport?)null);
        }

        var teardown = StartTeardown(session, reason, out _);
        if (teardown.IsCompletedSuccessfully)
        {
            return new ValueTask<SessionTeardownReport?>(teardown.Result);
        }

        return Await(teardown, cancellationToken);

        static async ValueTask<SessionTeardownReport?> Await(Task<SessionTeardownReport> teardown, CancellationToken ct) =>
            await teardown.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends every active session idle for at least <see cref="SessionRegistryOptions.IdleTimeout"/> (reason
    /// <see cref="SessionEndReason.IdleExpired"/>) and waits for their teardowns. The sweep timer calls it; so can tests.
    /// It never blocks opening or ending other sessions.
    /// </summary>
    /// <returns>How many sessions this sweep ended.</returns>
    public async Task<int> SweepAsync()
    {
        if (_options.IdleTimeout == Timeout.InfiniteTimeSpan)
        {
            return 0;
        }

        long cutoff = (Time.GetUtcNow() - _options.IdleTimeout).UtcTicks;
        List<Task<SessionTeardownReport>>? teardowns = null;
        foreach (var pair in _sessions)
        {
            var session = pair.Value;
            if (session.IsActive && session.LastActivityTicks <= cutoff)
            {
#pragma warning disable SG1001 // a teardown this sweep did not start belongs to the caller that started it; the registry tracks it until it completes
                var teardown = StartTeardown(session, SessionEndReason.IdleExpired, out bool started);
#pragma warning restore SG1001
                if (started)
                {
                    (teardowns ??= new()).Add(teardown);
                }
            }
        }

        if (teardowns is null)
        {
            return 0;
        }

        await Task.WhenAll(teardowns).ConfigureAwait(false);
        return teardowns.Count;
    }

    /// <summary>Ends every session (reason <see cref="SessionEndReason.Shutdown"/>), stops the sweep and waits for every teardown.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeStarted, 1) == 0)
        {
            Volatile.Write(ref _disposal, DisposeCoreAsync());
        }

        var disposal = Volatile.Read(ref _disposal);
        while (disposal is null)
        {
            Thread.Yield();
            disposal = Volatile.Read(ref _disposal);
        }

        return new ValueTask(disposal);
    }

    /// <summary>Synchronous <see cref="DisposeAsync"/>, for containers that dispose synchronously. Blocks until every teardown ends.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Owners resolved lazily (from dependency injection), so that owners may themselves depend on the registry.</summary>
    internal void AddDeferredOwners(Func<IEnumerable<ISessionScoped>> owners) => _owners.AddDeferred(owners);

    internal Task<SessionTeardownReport> EndSessionAsync(Session session, SessionEndReason reason)
    {
        if (!Enum.IsDefined(reason))
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "Unknown SessionEndReason.");
        }

        return StartTeardown(session, reason, out _);
    }

    /// <summary>Takes a slot and publishes a new session; null when the id is open already or another caller is
    /// opening it (the caller looks again). One caller at a time opens a given id: it holds the id's ticket in
    /// <see cref="_opening"/> from before it takes a slot until the session is published, so concurrent callers for one
    /// new id never take (or evict for) more than one slot between them, and a caller at the cap under
    /// <see cref="SessionOverflowPolicy.Reject"/> never fails while another is opening the id.</summary>
    private Session? TryOpenNew(SessionId id)
    {
        if (!_opening.TryAdd(id, 0))
        {
            // The holder takes a slot and publishes, a short and bounded step (an eviction only starts a teardown).
            Thread.Yield();
            return null;
        }

        try
        {
            if (_sessions.ContainsKey(id))
            {
                return null;
            }

            ReserveSlot(id);
            var session = new Session(this, id, Time.GetUtcNow());

            // Counted open before it can be seen: the residual check never finds a published session uncounted.
            Interlocked.Increment(ref _openedTotal);
            Interlocked.Increment(ref _openCount);
            bool added = _sessions.TryAdd(id, session);
            Debug.Assert(added, "Only the holder of an id's ticket adds it, and it was absent.");
            _idleOrder?.Add(session, Volatile.Read(ref _openCount), _sessions);
            Published(session);
            return session;
        }
        finally
        {
            _opening.TryRemove(id, out _);
        }
    }

    private void ReserveSlot(SessionId id)
    {
        int max = _options.MaxSessions;
        while (true)
        {
            int active = Volatile.Read(ref _activeCount);
            if (active < max)
            {
                if (Interlocked.CompareExchange(ref _activeCount, active + 1, active) == active)
                {
                    return;
                }

                continue;
            }

            if (_options.OverflowPolicy == SessionOverflowPolicy.Reject)
            {
                throw new SessionLimitExceededException(id, max);
            }

            var victim = _idleOrder!.TakeIdlest();
            if (victim is null)
            {
                // Every counted session began ending between our read and the scan; try again.
                Thread.Yield();
                continue;
            }

#pragma warning disable SG1001 // eviction does not wait: the teardown runs on the pool, never faults (it completes with a report) and DisposeAsync waits for it
            StartTeardown(victim, SessionEndReason.Evicted, out bool started);
#pragma warning restore SG1001
            if (started)
            {
                Log.SessionEvicted(Logger, victim.Id, max);
            }
        }
    }

    private void Published(Session session)
    {
        Instruments.Active.Add(1);
        Instruments.Opened.Add(1);
        Log.SessionOpened(Logger, session.Id);
        if (Volatile.Read(ref _disposeStarted) != 0)
        {
            // Lost a race with DisposeAsync: the shutdown loop will end it, or we do.
#pragma warning disable SG1001 // the open fails with ObjectDisposedException; DisposeAsync waits for this teardown
            _ = StartTeardown(session, SessionEndReason.Shutdown, out _);
#pragma warning restore SG1001
            throw new ObjectDisposedException(nameof(SessionRegistry));
        }
    }

    private async Task DisposeCoreAsync()
    {
        _sweepTimer?.Dispose();
        while (!_sessions.IsEmpty)
        {
            var teardowns = new List<Task<SessionTeardownReport>>();
            foreach (var pair in _sessions)
            {
                teardowns.Add(StartTeardown(pair.Value, SessionEndReason.Shutdown, out _));
            }

            await Task.WhenAll(teardowns).ConfigureAwait(false);
        }

        TempFiles.TryRemoveFolder();
        Instruments.Dispose();
    }

    private void OnSweepTimer()
    {
        if (Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0)
        {
            return;
        }

        _ = RunTimedSweepAsync();
    }

    private async Task RunTimedSweepAsync()
    {
        try
        {
            await SweepAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.SweepFailed(Logger, ex);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private IEnumerable<Measurement<long>> ObserveOwnerEntries()
    {
        var set = _owners.Current;
        var measurements = new List<Measurement<long>>();
        for (int o = 0; o < set.Owners.Length; o++)
        {
            var owner = set.Owners[o];
            var ownerTag = new KeyValuePair<string, object?>("owner", set.Names[o]);
            int members = owner.MemberCount;
            for (int i = 0; i < members; i++)
            {
                measurements.Add(new Measurement<long>(owner.GetLiveEntryCount(i), ownerTag, new KeyValuePair<string, object?>("member", owner.GetMemberName(i))));
            }
        }

        return measurements;
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposeStarted) != 0)
        {
            throw new ObjectDisposedException(nameof(SessionRegistry));
        }
    }

    private static InvalidOperationException AlreadyOpen(Session? existing) =>
        existing is { IsActive: false }
            ? new InvalidOperationException($"Session '{existing.Id}' is still ending; await its EndAsync before opening the id again.")
            : new InvalidOperationException($"Session '{existing?.Id}' is already open; use GetOrOpen to share it.");
}
