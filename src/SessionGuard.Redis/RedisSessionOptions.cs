using System;

namespace SessionGuard.Redis;

/// <summary>Settings of <see cref="RedisSessionCluster"/>.</summary>
public sealed class RedisSessionOptions
{
    /// <summary>The longest <see cref="NodeId"/>.</summary>
    public const int MaxNodeIdLength = 128;

    /// <summary>The longest <see cref="KeyPrefix"/>.</summary>
    public const int MaxKeyPrefixLength = 64;

    /// <summary>
    /// A StackExchange.Redis configuration string (such as <c>localhost:6379</c>), used when no
    /// <c>IConnectionMultiplexer</c> is given (or registered in the container). The cluster then owns that connection.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// Names every key and the channel of this cluster: <c>{prefix}:…</c>, the braces making one Redis Cluster hash slot of
    /// them, so the scripts may touch several keys. Nodes that share sessions use the same prefix. Default <c>sessionguard</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "sessionguard";

    /// <summary>
    /// This node's name in the cluster, unique among the nodes that share <see cref="KeyPrefix"/>. Default (null): the
    /// machine name, the process id and a random suffix, new for every cluster object.
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>How often the node renews its heartbeat (one key, whatever the number of sessions). Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the heartbeat lives without renewal: a node silent for longer is lost, its sessions are free to take and
    /// are reclaimed. At least twice <see cref="HeartbeatInterval"/>. Default 5 s.
    /// </summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Opening an id another live node owns takes it over (default) or is refused.</summary>
    public RemoteOwnerPolicy WhenOwnedElsewhere { get; set; } = RemoteOwnerPolicy.TakeOver;

    /// <summary>
    /// The longest this node waits on Redis for one operation (a claim, an end, a heartbeat). Nothing waits longer. Default 2 s.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most sessions open across the cluster (owner records in Redis), counted in Redis when a new session is claimed;
    /// null (default) for no cluster-wide cap. Each node's registry keeps its own <see cref="SessionRegistryOptions.MaxSessions"/>
    /// too. Set it alike on every node that shares <see cref="KeyPrefix"/>: each node checks its own value.
    /// </summary>
    public int? MaxSessionsPerCluster { get; set; }

    /// <summary>A new session beyond <see cref="MaxSessionsPerCluster"/> is refused (default) or evicts the oldest claim.</summary>
    public ClusterOverflowPolicy WhenClusterFull { get; set; } = ClusterOverflowPolicy.Reject;

    /// <summary>A new session while Redis does not answer is refused (default) or opened locally and claimed later.</summary>
    public RedisUnavailablePolicy WhenRedisUnavailable { get; set; } = RedisUnavailablePolicy.FailClosed;

    /// <summary>A copy of these settings.</summary>
    public RedisSessionOptions Clone() => (RedisSessionOptions)MemberwiseClone();

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it and the rule.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(KeyPrefix) || KeyPrefix.Length > MaxKeyPrefixLength || KeyPrefix.AsSpan().IndexOfAny("{}|") >= 0)
        {
            throw new ArgumentException($"RedisSessionOptions.KeyPrefix must be 1 to {MaxKeyPrefixLength} characters, not only white space, without '{{', '}}' or '|'; it is '{KeyPrefix}'.", nameof(KeyPrefix));
        }

        if (NodeId is not null && (string.IsNullOrWhiteSpace(NodeId) || NodeId.Length > MaxNodeIdLength || NodeId.AsSpan().IndexOfAny("{}|") >= 0))
        {
            throw new ArgumentException($"RedisSessionOptions.NodeId must be null (generated) or 1 to {MaxNodeIdLength} characters, not only white space, without '{{', '}}' or '|'; it is '{NodeId}'.", nameof(NodeId));
        }

        if (HeartbeatInterval < TimeSpan.FromMilliseconds(10) || HeartbeatInterval > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(HeartbeatInterval), HeartbeatInterval, "RedisSessionOptions.HeartbeatInterval must be between 10 ms and 1 hour.");
        }

        if (NodeTimeout < HeartbeatInterval * 2 || NodeTimeout > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(NodeTimeout), NodeTimeout, $"RedisSessionOptions.NodeTimeout must be at least twice HeartbeatInterval ({HeartbeatInterval}) and at most 1 day, so one late renewal does not lose the node.");
        }

        if (OperationTimeout <= TimeSpan.Zero || OperationTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(OperationTimeout), OperationTimeout, "RedisSessionOptions.OperationTimeout must be positive and at most 10 minutes.");
        }

        if (MaxSessionsPerCluster is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSessionsPerCluster), MaxSessionsPerCluster, "RedisSessionOptions.MaxSessionsPerCluster must be null (no cluster-wide cap) or positive.");
        }

        if (!Enum.IsDefined(WhenClusterFull))
        {
            throw new ArgumentOutOfRangeException(nameof(WhenClusterFull), WhenClusterFull, "RedisSessionOptions.WhenClusterFull must be Reject or EvictOldest.");
        }

        if (!Enum.IsDefined(WhenRedisUnavailable))
        {
            throw new ArgumentOutOfRangeException(nameof(WhenRedisUnavailable), WhenRedisUnavailable, "RedisSessionOptions.WhenRedisUnavailable must be FailClosed or FailOpen.");
        }

        if (!Enum.IsDefined(WhenOwnedElsewhere))
        {
            throw new ArgumentOutOfRangeException(nameof(WhenOwnedElsewhere), WhenOwnedElsewhere, "RedisSessionOptions.WhenOwnedElsewhere must be TakeOver or Refuse.");
        }
    }
}
