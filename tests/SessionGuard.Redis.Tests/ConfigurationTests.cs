using System;
using System.Diagnostics.Metrics;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

[Collection(RedisCollection.Name)]
public class ConfigurationTests
{
    private readonly RedisServer _server;

    public ConfigurationTests(RedisServer server) => _server = server;

    [Theory]
    [InlineData("KeyPrefix", "")]
    [InlineData("KeyPrefix", "a{b}")]
    [InlineData("NodeId", " ")]
    [InlineData("NodeId", "a|b")]
    [InlineData("HeartbeatInterval", "0")]
    [InlineData("NodeTimeout", "1.5")] // below twice the heartbeat interval (1 s)
    [InlineData("OperationTimeout", "0")]
    [InlineData("WhenOwnedElsewhere", "7")]
    [InlineData("MaxSessionsPerCluster", "0")]
    [InlineData("WhenClusterFull", "9")]
    [InlineData("WhenRedisUnavailable", "5")]
    public void A_bad_option_is_refused_with_a_message_naming_it(string option, string value)
    {
        var options = new RedisSessionOptions();
        switch (option)
        {
            case "KeyPrefix": options.KeyPrefix = value; break;
            case "NodeId": options.NodeId = value; break;
            case "HeartbeatInterval": options.HeartbeatInterval = TimeSpan.FromSeconds(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case "NodeTimeout": options.NodeTimeout = TimeSpan.FromSeconds(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case "OperationTimeout": options.OperationTimeout = TimeSpan.FromSeconds(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case "WhenOwnedElsewhere": options.WhenOwnedElsewhere = (RemoteOwnerPolicy)int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "MaxSessionsPerCluster": options.MaxSessionsPerCluster = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "WhenRedisUnavailable": options.WhenRedisUnavailable = (RedisUnavailablePolicy)int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "WhenClusterFull": options.WhenClusterFull = (ClusterOverflowPolicy)int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        var error = Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.Equal(option, error.ParamName);
        Assert.Contains("RedisSessionOptions." + option, error.Message);
        using var registry = new SessionRegistry();
        Assert.ThrowsAny<ArgumentException>(() => new RedisSessionCluster(registry, _server.Redis, options));
    }

    [Fact]
    public async Task The_host_does_not_start_with_a_bad_option_and_names_it()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSessionGuard().AddRedis(o =>
        {
            o.Configuration = _server.Configuration;
            o.NodeTimeout = TimeSpan.FromMilliseconds(100);
        });
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("RedisSessionOptions.NodeTimeout", error.Message);
    }

    [Fact]
    public async Task The_host_does_not_start_without_a_way_to_reach_Redis()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSessionGuard().AddRedis();
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("RedisSessionOptions.Configuration", error.Message);
        Assert.Contains("IConnectionMultiplexer", error.Message);
    }

    [Fact]
    public async Task AddRedis_uses_the_containers_connection_and_leaves_it_open()
    {
        string p = Prefix.New();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IConnectionMultiplexer>(_server.Redis);
        builder.Services.AddSessionGuard().AddRedis(o => o.KeyPrefix = p);
        using (var host = builder.Build())
        {
            await host.StartAsync();
            var cluster = host.Services.GetRequiredService<RedisSessionCluster>();
            Assert.Same(host.Services.GetRequiredService<SessionRegistry>(), cluster.Registry);
            var session = await cluster.OpenAsync(SessionId.New());
            Assert.True(cluster.TryGetFence(session.Id, out _));
            await host.StopAsync();
        }

        Assert.True(_server.Redis.IsConnected);
        Assert.Equal(new[] { "{" + p + "}:epoch", "{" + p + "}:fence" }, await _server.KeysAsync(p));
    }

    [Fact]
    public async Task AddRedis_creates_the_clusters_meter_from_the_containers_meter_factory()
    {
        string p = Prefix.New();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IConnectionMultiplexer>(_server.Redis);
        builder.Services.AddSessionGuard().AddRedis(o => o.KeyPrefix = p);
        using var host = builder.Build();
        await host.StartAsync();

        // Scoped to the host's factory: only the instruments of meters that factory created are seen.
        using var claims = new MetricCollector<int>(host.Services.GetRequiredService<IMeterFactory>(), SessionGuardRedisMetrics.MeterName, SessionGuardRedisMetrics.Claims);
        var cluster = host.Services.GetRequiredService<RedisSessionCluster>();
        await cluster.OpenAsync(SessionId.New());
        claims.RecordObservableInstruments();
        var measurement = Assert.Single(claims.GetMeasurementSnapshot());
        Assert.Equal((1, cluster.NodeId), (measurement.Value, (string?)measurement.Tags["node"]));
        await host.StopAsync();
    }

    [Fact]
    public async Task AddRedis_with_a_configuration_string_makes_and_disposes_its_own_connection()
    {
        string p = Prefix.New();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSessionGuard().AddRedis(o =>
        {
            o.Configuration = _server.Configuration;
            o.KeyPrefix = p;
        });
        using (var host = builder.Build())
        {
            await host.StartAsync();
            var cluster = host.Services.GetRequiredService<RedisSessionCluster>();
            await cluster.StartAsync();
            var session = await cluster.GetOrOpenAsync(SessionId.New());
            Assert.Same(session, await cluster.GetOrOpenAsync(session.Id));
            await host.StopAsync();
        }

        Assert.Equal(new[] { "{" + p + "}:epoch", "{" + p + "}:fence" }, await _server.KeysAsync(p));
    }
}
