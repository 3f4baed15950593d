using System;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

/// <summary>The degraded state shows in the health check and the metrics.</summary>
[Collection(RedisCollection.Name)]
public class HealthAndMetricsTests
{
    private readonly RedisServer _server;

    public HealthAndMetricsTests(RedisServer server) => _server = server;

    [Fact]
    public async Task The_health_check_is_degraded_while_ends_wait_for_Redis_and_healthy_once_they_are_written()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); o.OperationTimeout = TimeSpan.FromMilliseconds(300); });
        var check = new RedisSessionClusterHealthCheck(a.Cluster);
        var session = await a.Cluster.OpenAsync(SessionId.New());

        var healthy = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(("a", 1, 0), ((string)healthy.Data["node"], (int)healthy.Data["claims"], (int)healthy.Data["pendingEnds"]));
        Assert.True(healthy.Data.ContainsKey("sinceRenewalMs"));

        await using (await Pause.WritesAsync(_server))
        {
            await session.EndAsync();
            var degraded = await check.CheckHealthAsync(new HealthCheckContext());
            Assert.Equal(HealthStatus.Degraded, degraded.Status);
            Assert.Contains("1 ends of sessions wait", degraded.Description, StringComparison.Ordinal);
            Assert.Equal(1, (int)degraded.Data["pendingEnds"]);
        }

        await a.Cluster.HeartbeatAsync();
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [Fact]
    public async Task The_health_check_is_unhealthy_once_no_renewal_was_acknowledged_for_NodeTimeout_and_after_the_node_left()
    {
        string p = Prefix.New();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var a = await Node.StartAsync(_server.Redis, p, "a", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); }, time);
        var check = new RedisSessionClusterHealthCheck(a.Cluster);

        await using (await Pause.WritesAsync(_server))
        {
            // The timer's renewals are sent and held by Redis: none is acknowledged for six minutes of the node's clock.
            time.Advance(TimeSpan.FromMinutes(6));
            var lost = await check.CheckHealthAsync(new HealthCheckContext());
            Assert.Equal(HealthStatus.Unhealthy, lost.Status);
            Assert.Contains("RedisSessionOptions.NodeTimeout", lost.Description, StringComparison.Ordinal);
        }

        await Wait.UntilAsync(async () => (await check.CheckHealthAsync(new HealthCheckContext())).Status == HealthStatus.Healthy, "the held renewal was acknowledged");

        await a.DisposeAsync();
        var left = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, left.Status);
        Assert.Contains("left the cluster", left.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_metrics_show_claims_pending_ends_and_the_degraded_state_per_node()
    {
        string p = Prefix.New();
        string name = "metrics-" + p;
        await using var a = await Node.StartAsync(_server.Redis, p, name, o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); o.OperationTimeout = TimeSpan.FromMilliseconds(300); });
        using var claims = new MetricCollector<int>(null, SessionGuardRedisMetrics.MeterName, SessionGuardRedisMetrics.Claims);
        using var pending = new MetricCollector<int>(null, SessionGuardRedisMetrics.MeterName, SessionGuardRedisMetrics.PendingEnds);
        using var degraded = new MetricCollector<int>(null, SessionGuardRedisMetrics.MeterName, SessionGuardRedisMetrics.Degraded);
        using var since = new MetricCollector<double>(null, SessionGuardRedisMetrics.MeterName, SessionGuardRedisMetrics.SinceRenewal);

        int Last(MetricCollector<int> collector)
        {
            collector.RecordObservableInstruments();
            return collector.GetMeasurementSnapshot().Last(m => (string?)m.Tags["node"] == name).Value;
        }

        var sessions = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => a.Cluster.OpenAsync(SessionId.New())));
        Assert.Equal((3, 0, 0), (Last(claims), Last(pending), Last(degraded)));
        since.RecordObservableInstruments();
        Assert.Contains(since.GetMeasurementSnapshot(), m => (string?)m.Tags["node"] == name && m.Value >= 0);

        await using (await Pause.WritesAsync(_server))
        {
            await sessions[0].EndAsync();
            Assert.Equal((2, 1, 1), (Last(claims), Last(pending), Last(degraded)));
        }

        await a.Cluster.HeartbeatAsync();
        Assert.Equal((2, 0, 0), (Last(claims), Last(pending), Last(degraded)));
    }

    [Fact]
    public async Task A_node_on_a_meter_factory_reports_its_own_instruments_and_stops_when_it_leaves()
    {
        string p = Prefix.New();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var claims = new MetricCollector<int>(meters, SessionGuardRedisMetrics.MeterName, SessionGuardRedisMetrics.Claims);
        await using var registry = new SessionRegistry();
        var a = new RedisSessionCluster(registry, _server.Redis, new RedisSessionOptions { KeyPrefix = p, NodeId = "a", HeartbeatInterval = TimeSpan.FromMinutes(1), NodeTimeout = TimeSpan.FromMinutes(5) }, meterFactory: meters);
        await a.StartAsync();
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => a.OpenAsync(SessionId.New())));

        claims.RecordObservableInstruments();
        Assert.Equal(2, Assert.Single(claims.GetMeasurementSnapshot()).Value);

        // The factory keeps its meter (and the node's gauges on it) after the node left: they report nothing.
        await a.DisposeAsync();
        claims.Clear();
        claims.RecordObservableInstruments();
        Assert.Empty(claims.GetMeasurementSnapshot());
    }
}
