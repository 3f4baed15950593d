using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace SessionGuard.Redis;

/// <summary>
/// Makes the sessions of one <see cref="SessionRegistry"/> (one node) cluster-wide through Redis: a session opened with
/// <see cref="OpenAsync"/> or <see cref="GetOrOpenAsync"/> is claimed first (an owner record naming this node with a
/// fencing number that grows with every claim), lives while this node's one heartbeat key does, and on its end the record
/// is removed only if this node still owns it and the end is announced to the other nodes. Opening an id another live
/// node owns takes it over (that node ends its copy with <see cref="SessionEndReason.MovedToAnotherNode"/>) or is refused,
/// by <see cref="RedisSessionOptions.WhenOwnedElsewhere"/>. A lost node's sessions are reclaimed by one other node.
/// </summary>
/// <remarks>
/// Thread-safe. Only sessions opened through this object are claimed: a session opened directly on the registry stays
/// local. See docs/redis.md for the model, its guarantees and its limits.
/// </remarks>
public sealed class RedisSessionCluster : IAsyncDisposable, IDisposable
{
    private const int ReclaimNodesPerPass = 16;

    private readonly SessionRegistry _registry;
    private readonly IConnectionMultiplexer _redis;
    private readonly bool _ownsConnection;
    private readonly RedisSessionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<SessionId, Claim> _claims = new();
    private readonly ConcurrentQueue<PendingEnd> _pendingEnds = new();
    private readonly IDisposable _ownerRegistration;
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    private readonly string _base;
    private readonly string _channelName;
    private readonly RedisChannel _channel;
    private readonly RedisKey _fenceKey;
    private readonly RedisKey _nodesKey;
    private readonly RedisKey _heartbeatKey;
    private readonly RedisKey _setKey;
    private readonly RedisKey _movedKey;
    private readonly object _gate = new();
    private ISessionScoped[] _remoteOwners = Array.Empty<ISessionScoped>();
    private Task? _started;
    private ITimer? _timer;
    private Task? _disposal;
    private long _beats;
    private int _beating;
    private int _degraded;
    private int _disposed;

    /// <summary>Creates the cluster member of <paramref name="registry"/> on a connection the caller owns.</summary>
    /// <param name="registry">This node's registry.</param>
    /// <param name="redis">The connection; not disposed by the cluster.</param>
    /// <param name="options">Settings; defaults when null. A copy is kept, validated now.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="timeProvider">Drives the heartbeat timer and the timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> or <paramref name="redis"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public RedisSessionCluster(SessionRegistry registry, IConnectionMultiplexer redis, RedisSessionOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : this(registry, redis, options, loggerFactory, timeProvider, ownsConnection: false)
    {
    }

    private RedisSessionCluster(SessionRegistry registry, IConnectionMultiplexer redis, RedisSessionOptions? options, ILoggerFactory? loggerFactory, TimeProvider? timeProvider, bool ownsConnection)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(redis);
        _options = (options ?? new RedisSessionOptions()).Clone();
        _options.Validate();
        _options.NodeId ??= NewNodeId();
        _registry = registry;
        _redis = redis;
        _ownsConnection = ownsConnection;
        _logger = loggerFactory?.CreateLogger<RedisSessionCluster>() ?? (ILogger)NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _base = "{" + _options.KeyPrefix + "}";
        _channelName = _base + ":events";
        _channel = RedisChannel.Literal(_channelName);
        _fenceKey = _base + ":fence";
        _nodesKey = _base + ":nodes";
        _heartbeatKey = _base + ":n:" + NodeId;
        _setKey = _base + ":n:" + NodeId + ":s";
        _movedKey = _base + ":n:" + NodeId + ":moved";
        _onMessage = OnMessage;
        _ownerRegistration = registry.Register(new LocalEndWatcher(this));
    }

    /// <summary>Raised for every session another node ended, or that was reclaimed from a lost node. Handler exceptions are logged.</summary>
    public event EventHandler<RemoteSessionEndedEventArgs>? RemoteSessionEnded;

    /// <summary>This node's name in the cluster.</summary>
    public string NodeId => _options.NodeId!;

    /// <summary>The settings in force (a copy; <see cref="RedisSessionOptions.NodeId"/> filled in).</summary>
    public RedisSessionOptions Options => _options.Clone();

    /// <summary>The registry whose sessions this node claims.</summary>
    public SessionRegistry Registry => _registry;

    /// <summary>
    /// True while the last heartbeat failed or ends of sessions wait to be written to Redis (they are retried at every
    /// heartbeat).
    /// </summary>
    public bool IsDegraded => Volatile.Read(ref _degraded) != 0 || !_pendingEnds.IsEmpty;

    /// <summary>Ends of sessions not yet written to Redis (Redis failed or timed out); retried at every heartbeat.</summary>
    public int PendingEnds => _pendingEnds.Count;

    /// <summary>Sessions this node holds a claim for (opening, open or ending).</summary>
    internal int ClaimCount => _claims.Count;

    /// <summary>
    /// Creates the cluster member of <paramref name="registry"/> on a connection of its own, made from
    /// <see cref="RedisSessionOptions.Configuration"/> and disposed with the cluster. The connection is made in the
    /// background when Redis does not answer at once.
    /// </summary>
    /// <param name="registry">This node's registry.</param>
    /// <param name="options">Settings, with <see cref="RedisSessionOptions.Configuration"/>.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="timeProvider">Drives the heartbeat timer and the timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <returns>The cluster member; call <see cref="StartAsync"/> to join at once, or let the first open do it.</returns>
    /// <exception cref="ArgumentException">An option is invalid or <see cref="RedisSessionOptions.Configuration"/> is empty.</exception>
    public static RedisSessionCluster Connect(SessionRegistry registry, RedisSessionOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            throw new ArgumentException("RedisSessionOptions.Configuration is empty: set a StackExchange.Redis configuration string such as \"localhost:6379\", or give an IConnectionMultiplexer.", nameof(options));
        }

        var configuration = ConfigurationOptions.Parse(options.Configuration);
        configuration.AbortOnConnectFail = false;
        var redis = ConnectionMultiplexer.Connect(configuration);
        return new RedisSessionCluster(registry, redis, options, loggerFactory, timeProvider, ownsConnection: true);
    }

    /// <summary>
    /// Joins the cluster: subscribes to its channel, writes the first heartbeat and starts renewing it. The first open does
    /// it too; calling it at startup makes the node known before then. Safe to call again (a failed start is retried).
    /// </summary>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <exception cref="RedisSessionUnavailableException">Redis did not answer within <see cref="RedisSessionOptions.OperationTimeout"/>.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        Task started;
        lock (_gate)
        {
            if (_started is null || _started.IsFaulted || _started.IsCanceled)
            {
                _started = StartCoreAsync();
            }

            started = _started;
        }

        return started.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Claims <paramref name="id"/> for this node, then opens it in the registry. When another live node owns it, takes it
    /// over or refuses, by <see cref="RedisSessionOptions.WhenOwnedElsewhere"/>.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="cancellationToken">Stops the wait for Redis (the session is then not opened).</param>
    /// <returns>The new session.</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is <c>default(SessionId)</c>.</exception>
    /// <exception cref="InvalidOperationException">A session with this id is open, being opened or still ending on this node.</exception>
    /// <exception cref="SessionOwnedElsewhereException">Another live node owns it and the policy is <see cref="RemoteOwnerPolicy.Refuse"/>.</exception>
    /// <exception cref="RedisSessionUnavailableException">Redis did not answer in time: nothing was opened.</exception>
    /// <exception cref="SessionLimitExceededException">The registry is full and refuses new sessions.</exception>
    /// <exception cref="ObjectDisposedException">The cluster or the registry is disposed.</exception>
    public Task<Session> OpenAsync(SessionId id, CancellationToken cancellationToken = default) => OpenCoreAsync(id, exclusive: true, cancellationToken);

    /// <summary>
    /// Returns this node's active session with this id, or claims the id and opens it like <see cref="OpenAsync"/>.
    /// Concurrent callers for one id share one claim and get the same session.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <returns>The active session.</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is <c>default(SessionId)</c>.</exception>
    /// <exception cref="InvalidOperationException">The session with this id is still ending on this node.</exception>
    /// <exception cref="SessionOwnedElsewhereException">Another live node owns it and the policy is <see cref="RemoteOwnerPolicy.Refuse"/>.</exception>
    /// <exception cref="RedisSessionUnavailableException">Redis did not answer in time: nothing was opened.</exception>
    /// <exception cref="SessionLimitExceededException">The registry is full and refuses new sessions.</exception>
    /// <exception cref="ObjectDisposedException">The cluster or the registry is disposed.</exception>
    public Task<Session> GetOrOpenAsync(SessionId id, CancellationToken cancellationToken = default) => OpenCoreAsync(id, exclusive: false, cancellationToken);

    /// <summary>
    /// The fencing number of this node's active copy of the session: pass it with every write to shared storage, which
    /// refuses a write carrying a lower number than one it saw, so a copy that was taken over cannot write after its
    /// successor.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="fence">The fencing number; 0 when false.</param>
    /// <returns>False when this node holds no active claimed copy of the session.</returns>
    public bool TryGetFence(SessionId id, out long fence)
    {
        if (!id.IsDefault && _claims.TryGetValue(id, out var claim))
        {
            lock (claim)
            {
                if (claim.Session is { IsActive: true })
                {
                    fence = claim.Fence;
                    return true;
                }
            }
        }

        fence = 0;
        return false;
    }

    /// <summary>
    /// Adds a remote owner: state this node keeps for sessions of other nodes, released (its
    /// <see cref="ISessionScoped.ReleaseSessionAsync(SessionId, SessionReleaseContext)"/>) when another node announces the
    /// end of a session or a lost node's session is reclaimed. Not released for a session this node holds active.
    /// </summary>
    /// <param name="owner">The owner (a generated <c>[SessionScoped]</c> type or hand-written).</param>
    /// <returns>Dispose it to remove the owner.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="owner"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="owner"/> is already registered as a remote owner.</exception>
    public IDisposable RegisterRemote(ISessionScoped owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        lock (_gate)
        {
            if (Array.IndexOf(_remoteOwners, owner) >= 0)
            {
                throw new InvalidOperationException($"The owner {owner.GetType().FullName} is already registered as a remote owner.");
            }

            var owners = new ISessionScoped[_remoteOwners.Length + 1];
            _remoteOwners.CopyTo(owners, 0);
            owners[^1] = owner;
            Volatile.Write(ref _remoteOwners, owners);
        }

        return new RemoteRegistration(this, owner);
    }

    /// <summary>
    /// One heartbeat: renews this node's key (one write whatever the number of sessions), ends the copies another node
    /// took over meanwhile, retries ends not yet written, and reclaims the sessions of lost nodes. The timer calls it every
    /// <see cref="RedisSessionOptions.HeartbeatInterval"/>; so can tests. After a lapse (Redis was unreachable for longer
    /// than <see cref="RedisSessionOptions.NodeTimeout"/>) it checks every session this node holds against its owner record
    /// and ends those it no longer owns (<see cref="SessionEndReason.NodeLost"/>).
    /// </summary>
    /// <returns>The number of sessions of lost nodes this call reclaimed.</returns>
    /// <exception cref="RedisSessionUnavailableException">Redis did not answer in time.</exception>
    public async Task<long> HeartbeatAsync()
    {
        try
        {
            var result = (RedisResult[])(await RunAsync(Scripts.Heartbeat, new[] { _heartbeatKey, _movedKey, _nodesKey }, new RedisValue[] { NodeId, (long)_options.NodeTimeout.TotalMilliseconds }).ConfigureAwait(false))!;
            bool wasAlive = (int)result[0] == 1;
            long beats = Interlocked.Increment(ref _beats);
            if (!wasAlive && beats > 1)
            {
                await ReconcileAsync().ConfigureAwait(false);
            }

            foreach (var entry in (RedisResult[])result[1]!)
            {
                string text = (string)entry!;
                int bar = text.IndexOf('|', StringComparison.Ordinal);
                if (bar > 0 && long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out long fence) && SessionId.TryParse(text[(bar + 1)..], out var id))
                {
                    EndStaleCopy(id, fence, SessionEndReason.MovedToAnotherNode);
                }
            }

            await RetryPendingEndsAsync().ConfigureAwait(false);
            long reclaimed = (long)(await RunAsync(Scripts.Reclaim, new[] { _nodesKey }, new RedisValue[] { _base, _channelName, ReclaimNodesPerPass }).ConfigureAwait(false));
            if (reclaimed > 0)
            {
                Log.Reclaimed(_logger, reclaimed);
            }

            Volatile.Write(ref _degraded, 0);
            return reclaimed;
        }
        catch (RedisSessionUnavailableException)
        {
            Volatile.Write(ref _degraded, 1);
            throw;
        }
    }

    /// <summary>
    /// Ends every session this node claimed (<see cref="SessionEndReason.Shutdown"/>; their records are removed), stops the
    /// heartbeat and leaves the cluster. Records it could not remove are reclaimed by another node once the heartbeat lapses.
    /// Disposes the connection only when the cluster made it (<see cref="Connect"/>).
    /// </summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposal is null)
            {
                Volatile.Write(ref _disposed, 1);
                _disposal = DisposeCoreAsync();
            }

            return new ValueTask(_disposal);
        }
    }

    /// <summary>Synchronous <see cref="DisposeAsync"/>, for containers that dispose synchronously. Blocks until it is done.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static string NewNodeId() =>
        $"{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}";

    private RedisKey RecordKey(SessionId id) => _base + ":s:" + id.Value;

    private async Task StartCoreAsync()
    {
        try
        {
            await _redis.GetSubscriber().SubscribeAsync(_channel, _onMessage).WaitAsync(_options.OperationTimeout, _time).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Unavailable("Could not subscribe to the cluster channel", ex);
        }

        await HeartbeatAsync().ConfigureAwait(false);
        lock (_gate)
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                _timer ??= _time.CreateTimer(static s => ((RedisSessionCluster)s!).OnTimer(), this, _options.HeartbeatInterval, _options.HeartbeatInterval);
            }
        }
    }

    private async Task<Session> OpenCoreAsync(SessionId id, bool exclusive, CancellationToken cancellationToken)
    {
        SessionId.ThrowIfDefault(id, nameof(id));
        ThrowIfDisposed();
        while (true)
        {
            if (_claims.TryGetValue(id, out var existing))
            {
                if (exclusive)
                {
                    throw new InvalidOperationException($"Session '{id}' is already open, being opened or still ending on this node; use GetOrOpenAsync to share it.");
                }

                var opened = await existing.Opened.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (opened is { IsActive: true })
                {
                    return opened;
                }

                if (opened is not null && _claims.TryGetValue(id, out var current) && current == existing)
                {
                    throw new InvalidOperationException($"Session '{id}' is still ending; await its EndAsync before opening the id again.");
                }

                continue;
            }

            var claim = new Claim(id);
            if (_claims.TryAdd(id, claim))
            {
                return await OpenClaimedAsync(claim, exclusive, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<Session> OpenClaimedAsync(Claim claim, bool exclusive, CancellationToken cancellationToken)
    {
        long fence;
        try
        {
            await StartAsync(cancellationToken).ConfigureAwait(false);
            fence = await ClaimInRedisAsync(claim, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Abandon(claim);
            throw;
        }

        Session session;
        try
        {
            ThrowIfDisposed();
            session = exclusive ? _registry.Open(claim.Id) : _registry.GetOrOpen(claim.Id);
        }
        catch
        {
            Abandon(claim);
            await EndInRedisAsync(new PendingEnd(claim.Id, fence, claim.Token, SessionEndReason.Closed)).ConfigureAwait(false);
            throw;
        }

        bool moved;
        lock (claim)
        {
            claim.Fence = fence;
            claim.Session = session;
            moved = claim.MovedFence >= fence;
        }

        claim.Opened.TrySetResult(session);
        if (moved)
        {
            Log.EndingStaleCopy(_logger, claim.Id, fence, SessionEndReason.MovedToAnotherNode);
            _ = session.EndAsync(SessionEndReason.MovedToAnotherNode);
        }
        else if (!session.IsActive)
        {
            // It began ending before the claim knew it: its release may have passed the claim by. Releasing is idempotent.
            await ReleaseClaimAsync(claim, session).ConfigureAwait(false);
        }

        return session;
    }

    private void Abandon(Claim claim)
    {
        Volatile.Write(ref claim.Released, 1);
        _claims.TryRemove(new KeyValuePair<SessionId, Claim>(claim.Id, claim));
        claim.Opened.TrySetResult(null);
    }

    private async Task<long> ClaimInRedisAsync(Claim claim, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            RedisResult[] result;
            try
            {
                result = (RedisResult[])(await RunAsync(
                    Scripts.Claim,
                    new[] { RecordKey(claim.Id), _fenceKey, _setKey, _heartbeatKey },
                    new RedisValue[] { claim.Id.Value, NodeId, _options.WhenOwnedElsewhere == RemoteOwnerPolicy.Refuse ? 1 : 0, _base, (long)(_options.NodeTimeout.TotalMilliseconds * 2), _channelName, claim.Token },
                    cancellationToken).ConfigureAwait(false))!;
            }
            catch (Exception ex) when (ex is RedisSessionUnavailableException or OperationCanceledException)
            {
                // The claim may have been written though its answer was lost: remove it by its token once Redis answers.
                _pendingEnds.Enqueue(new PendingEnd(claim.Id, 0, claim.Token, SessionEndReason.Closed));
                throw;
            }

            switch ((int)result[0])
            {
                case 1:
                    return (long)result[2];
                case 0:
                    throw new SessionOwnedElsewhereException(claim.Id, (string)result[1]!, long.Parse((string)result[2]!, NumberStyles.None, CultureInfo.InvariantCulture));
                default:
                    // This node's heartbeat lapsed: renew it (which ends the copies it lost meanwhile), then claim again.
                    if (attempt > 0)
                    {
                        throw Unavailable($"Session '{claim.Id}' could not be claimed: this node's heartbeat lapses faster than it is renewed", null);
                    }

                    await HeartbeatAsync().ConfigureAwait(false);
                    break;
            }
        }
    }

    private async ValueTask ReleaseClaimAsync(Claim claim, Session session)
    {
        if (Interlocked.Exchange(ref claim.Released, 1) != 0)
        {
            return;
        }

        _claims.TryRemove(new KeyValuePair<SessionId, Claim>(claim.Id, claim));
        await EndInRedisAsync(new PendingEnd(claim.Id, claim.Fence, claim.Token, session.EndReason ?? SessionEndReason.Closed)).ConfigureAwait(false);
    }

    /// <summary>Compare-and-delete of one claim; queued for the next heartbeat when Redis fails. Never throws.</summary>
    private async Task<bool> EndInRedisAsync(PendingEnd end)
    {
        try
        {
            await RunAsync(
                Scripts.End,
                new[] { RecordKey(end.Id), _setKey },
                new RedisValue[] { end.Id.Value, NodeId, end.Fence == 0 ? RedisValue.EmptyString : end.Fence, end.Token, end.Reason.ToString(), _channelName }).ConfigureAwait(false);
            return true;
        }
        catch (RedisSessionUnavailableException ex)
        {
            Log.EndFailed(_logger, ex, end.Id);
            _pendingEnds.Enqueue(end);
            return false;
        }
    }

    private async Task RetryPendingEndsAsync()
    {
        for (int n = _pendingEnds.Count; n > 0 && _pendingEnds.TryDequeue(out var end); n--)
        {
            if (!await EndInRedisAsync(end).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>After a lapse: ends every copy whose owner record no longer names this node and this claim.</summary>
    private async Task ReconcileAsync()
    {
        var held = new List<(Claim Claim, long Fence, Session Session)>();
        foreach (var claim in _claims.Values)
        {
            lock (claim)
            {
                if (claim.Session is { IsActive: true } session)
                {
                    held.Add((claim, claim.Fence, session));
                }
            }
        }

        Log.HeartbeatLapsed(_logger, NodeId, held.Count);
        if (held.Count == 0)
        {
            return;
        }

        var batch = _redis.GetDatabase().CreateBatch();
        var reads = new Task<RedisValue[]>[held.Count];
        var fields = new RedisValue[] { "node", "fence" };
        for (int i = 0; i < held.Count; i++)
        {
            reads[i] = batch.HashGetAsync(RecordKey(held[i].Claim.Id), fields);
        }

        batch.Execute();
        try
        {
            await Task.WhenAll(reads).WaitAsync(_options.OperationTimeout, _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable("Could not read the owner records after a lapse", ex);
        }

        for (int i = 0; i < held.Count; i++)
        {
            var record = reads[i].Result;
            if ((string?)record[0] != NodeId || (long?)record[1] != held[i].Fence)
            {
                Log.EndingStaleCopy(_logger, held[i].Claim.Id, held[i].Fence, SessionEndReason.NodeLost);
                _ = held[i].Session.EndAsync(SessionEndReason.NodeLost);
            }
        }
    }

    /// <summary>Another node took this copy over (or reclaimed it): end it if it is that copy or an older one.</summary>
    private void EndStaleCopy(SessionId id, long fence, SessionEndReason reason)
    {
        if (!_claims.TryGetValue(id, out var claim))
        {
            return;
        }

        Session? stale = null;
        lock (claim)
        {
            if (claim.Session is null)
            {
                claim.MovedFence = Math.Max(claim.MovedFence, fence);
            }
            else if (claim.Fence <= fence)
            {
                stale = claim.Session;
            }
        }

        if (stale is { IsActive: true })
        {
            Log.EndingStaleCopy(_logger, id, fence, reason);
            _ = stale.EndAsync(reason);
        }
    }

    private void OnMessage(RedisChannel channel, RedisValue value)
    {
        string message = (string?)value ?? "";
        try
        {
            if (message.StartsWith("ended|", StringComparison.Ordinal))
            {
                var parts = message.Split('|', 5);
                if (parts.Length == 5 && Enum.TryParse<SessionEndReason>(parts[1], out var reason)
                    && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long fence) && SessionId.TryParse(parts[4], out var id))
                {
                    if (parts[3] == NodeId)
                    {
                        if (reason == SessionEndReason.NodeLost)
                        {
                            EndStaleCopy(id, fence, SessionEndReason.NodeLost);
                        }
                    }
                    else
                    {
                        RemoteEnded(new RemoteSessionEndedEventArgs(id, parts[3], fence, reason));
                    }

                    return;
                }
            }
            else if (message.StartsWith("moved|", StringComparison.Ordinal))
            {
                var parts = message.Split('|', 4);
                if (parts.Length == 4 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long fence) && SessionId.TryParse(parts[3], out var id))
                {
                    if (parts[2] == NodeId)
                    {
                        EndStaleCopy(id, fence, SessionEndReason.MovedToAnotherNode);
                    }

                    return;
                }
            }

            Log.BadMessage(_logger, message);
        }
        catch (Exception ex)
        {
            Log.RemoteReleaseFailed(_logger, ex, default, message);
        }
    }

    private void RemoteEnded(RemoteSessionEndedEventArgs ended)
    {
        var handlers = RemoteSessionEnded;
        if (handlers is not null)
        {
            foreach (EventHandler<RemoteSessionEndedEventArgs> handler in handlers.GetInvocationList())
            {
                try
                {
                    handler(this, ended);
                }
                catch (Exception ex)
                {
                    Log.RemoteReleaseFailed(_logger, ex, ended.Id, ended.Node);
                }
            }
        }

        var owners = Volatile.Read(ref _remoteOwners);
        if (owners.Length > 0 && !_registry.IsActive(ended.Id))
        {
            _ = ReleaseRemoteAsync(owners, ended);
        }
    }

    private async Task ReleaseRemoteAsync(ISessionScoped[] owners, RemoteSessionEndedEventArgs ended)
    {
        foreach (var owner in owners)
        {
            try
            {
                await owner.ReleaseSessionAsync(ended.Id, new SessionReleaseContext()).AsTask().WaitAsync(_options.OperationTimeout, _time).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.RemoteReleaseFailed(_logger, ex, ended.Id, ended.Node);
            }
        }
    }

    private void OnTimer()
    {
        if (Interlocked.CompareExchange(ref _beating, 1, 0) != 0)
        {
            return;
        }

        _ = BeatFromTimerAsync();
    }

    private async Task BeatFromTimerAsync()
    {
        try
        {
            await HeartbeatAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.HeartbeatFailed(_logger, ex, NodeId);
        }
        finally
        {
            Volatile.Write(ref _beating, 0);
        }
    }

    private async Task DisposeCoreAsync()
    {
        ITimer? timer;
        lock (_gate)
        {
            timer = _timer;
            _timer = null;
        }

        if (timer is not null)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }

        // One live copy: a node that leaves keeps none. Each end removes its record (the release below).
        var ends = new List<Task>();
        foreach (var claim in _claims.Values)
        {
            Session? session;
            lock (claim)
            {
                session = claim.Session;
            }

            if (session is not null)
            {
                ends.Add(session.EndAsync(SessionEndReason.Shutdown));
            }
        }

        await Task.WhenAll(ends).ConfigureAwait(false);
        _ownerRegistration.Dispose();
        if (_started is not null)
        {
            try
            {
                await RetryPendingEndsAsync().ConfigureAwait(false);
                await _redis.GetSubscriber().UnsubscribeAsync(_channel, _onMessage).WaitAsync(_options.OperationTimeout, _time).ConfigureAwait(false);
                await RunAsync(Scripts.Leave, new[] { _heartbeatKey, _setKey, _movedKey, _nodesKey }, new RedisValue[] { NodeId }).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.LeaveFailed(_logger, ex, NodeId);
            }
        }

        if (_ownsConnection)
        {
            await _redis.CloseAsync().ConfigureAwait(false);
            _redis.Dispose();
        }
    }

    private async Task<RedisResult> RunAsync(string script, RedisKey[] keys, RedisValue[] args, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _redis.GetDatabase().ScriptEvaluateAsync(script, keys, args).WaitAsync(_options.OperationTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            throw Unavailable("Redis did not run a SessionGuard script", ex);
        }
    }

    private RedisSessionUnavailableException Unavailable(string what, Exception? inner) =>
        new($"{what} within {_options.OperationTimeout.TotalMilliseconds} ms (RedisSessionOptions.OperationTimeout) on node '{NodeId}'. A new session is not opened while Redis is unavailable.", inner);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private readonly record struct PendingEnd(SessionId Id, long Fence, string Token, SessionEndReason Reason);

    /// <summary>This node's claim on one session id.</summary>
    private sealed class Claim
    {
        public Claim(SessionId id) => Id = id;

        public SessionId Id { get; }

        /// <summary>Random, written into the record with the claim: removes a claim whose answer was lost.</summary>
        public string Token { get; } = Guid.NewGuid().ToString("N");

        /// <summary>The session once opened; null when the open failed.</summary>
        public TaskCompletionSource<Session?> Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Guarded by the claim's lock.
        public long Fence;
        public Session? Session;
        public long MovedFence;

        public int Released;
    }

    /// <summary>Joins the registry as an owner: its release runs when any session ends there, before the session is gone.</summary>
    private sealed class LocalEndWatcher : ISessionScoped
    {
        private readonly RedisSessionCluster _cluster;

        public LocalEndWatcher(RedisSessionCluster cluster) => _cluster = cluster;

        public int MemberCount => 0;

        public async ValueTask<int> ReleaseSessionAsync(SessionId session)
        {
            if (_cluster._claims.TryGetValue(session, out var claim))
            {
                Session? held;
                lock (claim)
                {
                    held = claim.Session;
                }

                // Null: the claim is still opening (its open notices an end that began meanwhile).
                if (held is not null)
                {
                    await _cluster.ReleaseClaimAsync(claim, held).ConfigureAwait(false);
                }
            }

            return 0;
        }

        public string GetMemberName(int index) => throw new ArgumentOutOfRangeException(nameof(index));

        public int GetLiveEntryCount(int index) => throw new ArgumentOutOfRangeException(nameof(index));
    }

    private sealed class RemoteRegistration : IDisposable
    {
        private RedisSessionCluster? _cluster;
        private readonly ISessionScoped _owner;

        public RemoteRegistration(RedisSessionCluster cluster, ISessionScoped owner)
        {
            _cluster = cluster;
            _owner = owner;
        }

        public void Dispose()
        {
            var cluster = Interlocked.Exchange(ref _cluster, null);
            if (cluster is null)
            {
                return;
            }

            lock (cluster._gate)
            {
                int index = Array.IndexOf(cluster._remoteOwners, _owner);
                if (index >= 0)
                {
                    var owners = new ISessionScoped[cluster._remoteOwners.Length - 1];
                    Array.Copy(cluster._remoteOwners, 0, owners, 0, index);
                    Array.Copy(cluster._remoteOwners, index + 1, owners, index, owners.Length - index);
                    Volatile.Write(ref cluster._remoteOwners, owners);
                }
            }
        }
    }
}
