namespace SessionGuard.Redis;

/// <summary>
/// The names of the metrics of <see cref="RedisSessionCluster"/>, all on the meter <see cref="MeterName"/> and tagged
/// <c>node</c> with <see cref="RedisSessionCluster.NodeId"/>.
/// </summary>
public static class SessionGuardRedisMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "SessionGuard.Redis";

    /// <summary>1 while the node is degraded (<see cref="RedisSessionCluster.IsDegraded"/>), else 0 (observable gauge).</summary>
    public const string Degraded = "sessionguard.redis.degraded";

    /// <summary>Ends of sessions not yet written to Redis (<see cref="RedisSessionCluster.PendingEnds"/>; observable gauge).</summary>
    public const string PendingEnds = "sessionguard.redis.pending_ends";

    /// <summary>Sessions this node holds a claim for: opening, open or ending (observable gauge).</summary>
    public const string Claims = "sessionguard.redis.claims";

    /// <summary>Seconds since the last renewal of this node's heartbeat that Redis acknowledged (observable gauge).</summary>
    public const string SinceRenewal = "sessionguard.redis.since_renewal";
}
