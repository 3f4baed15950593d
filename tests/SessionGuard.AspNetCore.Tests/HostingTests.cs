using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SessionGuard.AspNetCore.Tests;

public class HostingTests
{
    private static readonly TimeSpan Bound = TestHost.Bound;

    [Fact]
    public async Task Host_shutdown_ends_every_connected_session_as_Shutdown_and_every_client_sees_1001()
    {
        const int Clients = 200;
        var host = await TestHost.StartAsync(
            app => app.MapSessionWebSocket("/echo", (Session session, WebSocket socket, CancellationToken ct) => Wire.EchoAsync(socket, ct), o => o.CloseTimeout = TestHost.CloseTimeout),
            o => o.MaxSessions = Clients);
        var clients = new ClientWebSocket[Clients];
        try
        {
            await Parallel.ForAsync(0, Clients, async (i, _) =>
            {
                clients[i] = await host.ConnectAsync("/echo");
                await clients[i].SendTextAsync("ping " + i);
                Assert.Equal("ping " + i, await clients[i].ReceiveTextAsync());
            });
            Assert.Equal(Clients, host.Registry.ActiveCount);

            var statuses = new ConcurrentBag<WebSocketCloseStatus?>();
            var closing = clients.Select(async client =>
            {
                Assert.Null(await client.ReceiveTextAsync());
                statuses.Add(client.CloseStatus);
                using var timeout = new CancellationTokenSource(Bound);
                await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }).ToArray();

            await host.App.StopAsync().WaitAsync(Bound);
            await Task.WhenAll(closing).WaitAsync(Bound);

            Assert.Equal(Clients, statuses.Count);
            Assert.All(statuses, s => Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, s));
            var reports = host.AllReports.ToArray();
            Assert.Equal(Clients, reports.Length);
            Assert.All(reports, r => Assert.Equal(SessionEndReason.Shutdown, r.Reason));
            Assert.All(reports, r => Assert.Empty(r.UndrainedTasks));
            Assert.Equal(Clients, reports.Select(r => r.SessionId).Distinct().Count());
            Assert.Equal(0, host.Registry.ActiveCount);
        }
        finally
        {
            foreach (var client in clients)
            {
                client?.Dispose();
            }

            await host.App.DisposeAsync();
        }
    }

    [Fact]
    public async Task Health_is_degraded_near_the_cap_and_after_a_residual_check_found_leftovers()
    {
        await using var host = await TestHost.StartAsync(
            _ => { },
            o => o.MaxSessions = 10,
            s => s.AddHealthChecks().AddSessionGuard(o => o.DegradedThreshold = 0.5));
        var health = host.App.Services.GetRequiredService<HealthCheckService>();
        var registry = host.Registry;
        var leaky = new LeakyOwner();
        registry.Register(leaky);

        async Task<HealthReportEntry> CheckAsync() => (await health.CheckHealthAsync().WaitAsync(Bound)).Entries["sessionguard"];

        var entry = await CheckAsync();
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(0, entry.Data["live_sessions"]);
        Assert.Equal(10, entry.Data["max_sessions"]);
        Assert.Equal(0, entry.Data["last_residual_entries"]);

        var sessions = Enumerable.Range(0, 4).Select(i => registry.Open(SessionId.Parse("s" + i))).ToList();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync()).Status);
        sessions.Add(registry.Open(SessionId.Parse("s4")));
        entry = await CheckAsync();
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(5, entry.Data["live_sessions"]);

        leaky.Hold(sessions[0].Id);
        foreach (var session in sessions)
        {
            await session.EndAsync().WaitAsync(Bound);
        }

        entry = await CheckAsync();
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(0, entry.Data["live_sessions"]);
        Assert.Equal(1, entry.Data["last_residual_entries"]);
        Assert.Contains("LeakyOwner", (string)entry.Data["last_residuals"]);

        leaky.Clear();
        entry = await CheckAsync();
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(0, entry.Data["last_residual_entries"]);
    }

    [Fact]
    public void Health_options_are_validated()
    {
        var services = new ServiceCollection();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => services.AddHealthChecks().AddSessionGuard(o => o.DegradedThreshold = 1.5));
        Assert.Equal("DegradedThreshold", ex.ParamName);
    }

    [Fact]
    public void Registering_twice_registers_one_registry_and_one_shutdown_service()
    {
        var services = new ServiceCollection();
        services.AddSessionGuard();
        services.AddSessionGuardAspNetCore();
        services.AddSessionGuardAspNetCore();
        Assert.Single(services, d => d.ServiceType == typeof(SessionRegistry));
        Assert.Single(services, d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService));
    }

    /// <summary>An owner whose release forgets its entries: what the residual check exists to catch.</summary>
    private sealed class LeakyOwner : ISessionScoped
    {
        private readonly ConcurrentDictionary<SessionId, int> _held = new();

        public int MemberCount => 1;

        public void Hold(SessionId id) => _held[id] = 1;

        public void Clear() => _held.Clear();

        public string GetMemberName(int index) => "_held";

        public int GetLiveEntryCount(int index) => _held.Count;

        public ValueTask<int> ReleaseSessionAsync(SessionId session) => new(0);

        public ValueTask<int> ReleaseSessionAsync(SessionId session, SessionReleaseContext context) => new(0);
    }
}
