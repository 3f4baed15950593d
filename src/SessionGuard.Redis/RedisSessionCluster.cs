using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
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
public sealed partial class RedisSessionCluster : IAsyncDisposable, IDisposable
{
    private const int ReclaimNodesPerPass = 16;

    /// <summary>Most sessions one script reclaims: a lost node's sessions go in chunks, so Redis serves others between them.</summary>
    internal const int ReclaimChunkSize = 500;

    /// <summary>Queued ends or deferred claims pipelined at once: a bound on what one batch puts on the connection, not a rate.</summary>
    private const int UpkeepBatchSize = 256;
    private const string EvictedEntry = "evicted|";

    private readonly SessionRegistry _registry;
    private readonly IConnectionMultiplexer _redis;
    private readonly bool _ownsConnection;
    private readonly RedisSessionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<SessionId, Claim> _claims = new();
    private readonly ConcurrentQueue<PendingEnd> _pendingEnds = new();
    private readonly ConcurrentQueue<Claim> _deferredClaims = new();
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
    private readonly RedisKey _allKey;
    private readonly RedisKey _epochKey;
    private readonly RedisKey _reclaimsKey;
    private readonly object _gate = new();
    private ISessionScoped[] _remoteOwners = Array.Empty<ISessionScoped>();
    private Task? _started;
    private ITimer? _timer;
    private Task? _disposal;
    private readonly string _incarnation = Guid.NewGuid().ToString("N");
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly TimeSpan _endTimeout;
    private Task? _beat;
    private long _lastAcknowledged;
    private string? _epoch;
    private int _mustReconcile;
    private int _beating;
    private Task? _upkeep;
    private bool _upkeeping;
    private int _renewalFailed;
    private int _upkeepFailed;
    private int _disposed;

    /// <summary>Creates the cluster member of <paramref name="registry"/> on a connection the caller owns.</summary>
    /// <param name="registry">This node's registry.</param>
    /// <param name="redis">The connection; not disposed by the cluster.</param>
    /// <param name="options">Settings; defaults when null. A copy is kept, validated now.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="timeProvider">Drives the heartbeat timer and the timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="meterFactory">
    /// Creates the <see cref="SessionGuardRedisMetrics.MeterName"/> meter (the host's, so that its listeners and tests scoped to
    /// it see this node's instruments); when null the cluster creates and disposes a meter of its own.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> or <paramref name="redis"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public RedisSessionCluster(SessionRegistry registry, IConnectionMultiplexer redis, RedisSessionOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
        : this(registry, redis, options, loggerFactory, timeProvider, meterFactory, ownsConnection: false)
    {
    }

    private RedisSessionCluster(SessionRegistry registry, IConnectionMultiplexer redis, RedisSessionOptions? options, ILoggerFactory? loggerFactory, TimeProvider? timeProvider, IMeterFactory? meterFactory, bool ownsConnection)
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
        _heartbeatKey = _base + ":hb:" + NodeId;
        _setKey = _base + ":set:" + NodeId;
        _movedKey = _base + ":moved:" + NodeId;
        _allKey = _base + ":all";
        _epochKey = _base + ":epoch";
        _reclaimsKey = _base + ":reclaims";

        // An end waits for Redis inside the registry's release step: give up (and retry at the next heartbeat) well before
        // the registry's OwnerReleaseTimeout would report the step as failed.
        var releaseTimeout = registry.Options.OwnerReleaseTimeout;
        _endTimeout = _options.OperationTimeout < releaseTimeout / 2 ? _options.OperationTimeout : releaseTimeout / 2;
        _onMessage = OnMessage;
        _ownsMeter = meterFactory is null;
        _meter = CreateMeter(meterFactory);
        _ownerRegistration = registry.Register(new LocalEndWatcher(this));
    }

    /// <summary>This node's name in the cluster.</summary>
    public string NodeId => _options.NodeId!;

    /// <summary>The settings in force (a copy; <see cref="RedisSessionOptions.NodeId"/> filled in).</summary>
    public RedisSessionOptions Options => _options.Clone();

    /// <summary>The registry whose sessions this node claims.</summary>
    public SessionRegistry Registry => _registry;

    /// <summary>
    /// True while the last renewal of the heartbeat or the last upkeep pass failed, ends of sessions wait to be written to
    /// Redis, or sessions opened unclaimed (<see cref="RedisUnavailablePolicy.FailOpen"/>) wait to be claimed; both are
    /// retried by the upkeep after every renewal.
    /// </summary>
    public bool IsDegraded => Volatile.Read(ref _renewalFailed) != 0 || Volatile.Read(ref _upkeepFailed) != 0 || !_pendingEnds.IsEmpty || !_deferredClaims.IsEmpty;

    /// <summary>Ends of sessions not yet written to Redis (Redis failed or timed out); retried at every heartbeat.</summary>
    public int PendingEnds => _pendingEnds.Count;

    /// <summary>Sessions opened unclaimed while Redis did not answer, waiting to be claimed.</summary>
    internal int DeferredClaims => _deferredClaims.Count;

    /// <summary>Sessions this node holds a claim for (opening, open or ending).</summary>
    internal int ClaimCount => _claims.Count;

    /// <summary>Time since the send of the last renewal Redis acknowledged; null before the first.</summary>
    internal TimeSpan? SinceRenewal
    {
        get
        {
            long acknowledged = Volatile.Read(ref _lastAcknowledged);
            return acknowledged == 0 ? null : _time.GetElapsedTime(acknowledged);
        }
    }

    internal TimeSpan NodeTimeout => _options.NodeTimeout;

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Creates the cluster member of <paramref name="registry"/> on a connection of its own, made from
    /// <see cref="RedisSessionOptions.Configuration"/> and disposed with the cluster. The connection is made in the
    /// background when Redis does not answer at once.
    /// </summary>
    /// <param name="registry">This node's registry.</param>
    /// <param name="options">Settings, with <see cref="RedisSessionOptions.Configuration"/>.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="timeProvider">Drives the heartbeat timer and the timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="meterFactory">Creates the cluster's meter; when null the cluster creates and disposes a meter of its own.</param>
    /// <returns>The cluster member; call <see cref="StartAsync"/> to join at once, or let the first open do it.</returns>
    /// <exception cref="ArgumentException">An option is invalid or <see cref="RedisSessionOptions.Configuration"/> is empty.</exception>
    public static RedisSessionCluster Connect(SessionRegistry registry, RedisSessionOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
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

        // A command issued while disconnected fails at once instead of waiting in a backlog and running after its caller
        // gave up: a late heartbeat or claim must not change ownership behind the node's back.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var redis = ConnectionMultiplexer.Connect(configuration);
        try
        {
            return new RedisSessionCluster(registry, redis, options, loggerFactory, timeProvider, meterFactory, ownsConnection: true);
        }
        catch
        {
            redis.Dispose();
            throw;
        }
    }

    private static string NewNodeId() =>
        $"{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}";

    private Meter CreateMeter(IMeterFactory? meterFactory)
    {
        // A factory hands out one meter per name: a node that left stops reporting, since its gauges stay on that meter.
        var meter = meterFactory?.Create(SessionGuardRedisMetrics.MeterName) ?? new Meter(SessionGuardRedisMetrics.MeterName);
        var node = new KeyValuePair<string, object?>("node", NodeId);
        IEnumerable<Measurement<T>> Observe<T>(Func<T?> read)
            where T : struct =>
            Volatile.Read(ref _disposed) == 0 && read() is { } value ? new[] { new Measurement<T>(value, node) } : Array.Empty<Measurement<T>>();

        meter.CreateObservableGauge(SessionGuardRedisMetrics.Degraded, () => Observe<int>(() => IsDegraded ? 1 : 0), description: "1 while the node is degraded: its last heartbeat failed or ends wait to be written.");
        meter.CreateObservableGauge(SessionGuardRedisMetrics.PendingEnds, () => Observe<int>(() => PendingEnds), "{session}", "Ends of sessions not yet written to Redis.");
        meter.CreateObservableGauge(SessionGuardRedisMetrics.Claims, () => Observe<int>(() => ClaimCount), "{session}", "Sessions this node holds a claim for.");
        meter.CreateObservableGauge(SessionGuardRedisMetrics.SinceRenewal, () => Observe<double>(() => SinceRenewal?.TotalSeconds), "s", "Seconds since the last heartbeat renewal Redis acknowledged.");
        return meter;
    }

    private RedisKey RecordKey(SessionId id) => _base + ":s:" + id.Value;

    private Task<RedisResult> RunAsync(string script, RedisKey[] keys, RedisValue[] args, CancellationToken cancellationToken = default) =>
        RunAsync(script, keys, args, _options.OperationTimeout, cancellationToken);

    private async Task<RedisResult> RunAsync(string script, RedisKey[] keys, RedisValue[] args, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var evaluation = _redis.GetDatabase().ScriptEvaluateAsync(script, keys, args);
        try
        {
            return await evaluation.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Observe(evaluation);
            throw Unavailable("Redis did not run a SessionGuard script", ex, timeout);
        }
        catch (OperationCanceledException)
        {
            Observe(evaluation);
            throw;
        }
    }

    /// <summary>A command given up on may still fail later: observe it so its fault is not reported as unobserved.</summary>
    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private RedisSessionUnavailableException Unavailable(string what, Exception? inner) => Unavailable(what, inner, _options.OperationTimeout);

    private RedisSessionUnavailableException Unavailable(string what, Exception? inner, TimeSpan timeout) =>
        new($"{what} within {timeout.TotalMilliseconds} ms (RedisSessionOptions.OperationTimeout) on node '{NodeId}'.", inner);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
