using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SessionGuard.Redis;

/// <summary>
/// The health of one node's place in the cluster, for <c>services.AddHealthChecks().AddCheck&lt;RedisSessionClusterHealthCheck&gt;("sessionguard-redis")</c>:
/// <list type="bullet">
/// <item><description>Unhealthy when the node left the cluster (disposed), or when Redis has acknowledged no renewal of
/// its heartbeat for <see cref="RedisSessionOptions.NodeTimeout"/> or longer: other nodes may have reclaimed its
/// sessions.</description></item>
/// <item><description>Degraded while <see cref="RedisSessionCluster.IsDegraded"/>: the last heartbeat failed, or ends
/// of sessions wait to be written to Redis.</description></item>
/// <item><description>Healthy otherwise, including before the node joined (it joins at its first open or
/// <see cref="RedisSessionCluster.StartAsync"/>).</description></item>
/// </list>
/// The result's data: <c>node</c>, <c>claims</c>, <c>pendingEnds</c> and, once joined, <c>sinceRenewalMs</c>.
/// </summary>
public sealed class RedisSessionClusterHealthCheck : IHealthCheck
{
    private readonly RedisSessionCluster _cluster;

    /// <summary>Checks <paramref name="cluster"/>.</summary>
    /// <param name="cluster">The node's cluster member.</param>
    /// <exception cref="ArgumentNullException"><paramref name="cluster"/> is null.</exception>
    public RedisSessionClusterHealthCheck(RedisSessionCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        _cluster = cluster;
    }

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["node"] = _cluster.NodeId,
            ["claims"] = _cluster.ClaimCount,
            ["pendingEnds"] = _cluster.PendingEnds,
        };
        TimeSpan? since = _cluster.SinceRenewal;
        if (since is { } elapsed)
        {
            data["sinceRenewalMs"] = (long)elapsed.TotalMilliseconds;
        }

        var nodeTimeout = _cluster.NodeTimeout;
        HealthCheckResult result;
        if (_cluster.IsDisposed)
        {
            result = HealthCheckResult.Unhealthy($"Node '{_cluster.NodeId}' left the cluster (the RedisSessionCluster is disposed).", data: data);
        }
        else if (since >= nodeTimeout)
        {
            result = HealthCheckResult.Unhealthy($"Redis acknowledged no heartbeat of node '{_cluster.NodeId}' for {since.Value.TotalMilliseconds:0} ms (RedisSessionOptions.NodeTimeout is {nodeTimeout.TotalMilliseconds:0} ms): other nodes may have reclaimed its sessions.", data: data);
        }
        else if (_cluster.IsDegraded)
        {
            result = HealthCheckResult.Degraded($"Node '{_cluster.NodeId}' is degraded: its last heartbeat failed or {_cluster.PendingEnds} ends of sessions wait to be written to Redis.", data: data);
        }
        else
        {
            result = HealthCheckResult.Healthy(since is null ? $"Node '{_cluster.NodeId}' has not joined yet (it joins at its first open or StartAsync)." : $"Node '{_cluster.NodeId}' renews its heartbeat.", data);
        }

        return Task.FromResult(result);
    }
}
