using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace SessionGuard.AspNetCore.Tests;

public class WebSocketEndpointTests
{
    private static readonly TimeSpan Bound = TestHost.Bound;

    /// <summary>An echo endpoint at /echo whose handler owns a probe per session; "throw" throws, "abort" aborts the request.</summary>
    private static Task<TestHost> StartEchoAsync(ConcurrentQueue<Probe> probes, Action<SessionRegistryOptions>? registry = null, Action<IServiceCollection>? services = null) =>
        TestHost.StartAsync(
            app => app.MapSessionWebSocket("/echo", async (Session session, WebSocket socket, HttpContext http, CancellationToken ct) =>
            {
                probes.Enqueue(session.Own(new Probe()));
                await Wire.EchoAsync(socket, ct, text =>
                {
                    if (text == "throw")
                    {
                        throw new InvalidOperationException("handler failed");
                    }

                    if (text == "abort")
                    {
                        http.Abort();
                    }
                });
            }, o => o.CloseTimeout = TestHost.CloseTimeout),
            registry,
            services);

    private static async Task AssertCleanAsync(TestHost host, Probe probe)
    {
        await probe.Disposed.WaitAsync(Bound);
        Assert.Equal(0, host.Registry.ActiveCount);
        Assert.True(host.Registry.CheckResiduals().IsClean);
        Assert.Single(host.AllReports);
    }

    [Fact]
    public async Task Clean_close_by_the_client_ends_the_session_as_Closed()
    {
        var probes = new ConcurrentQueue<Probe>();
        await using var host = await StartEchoAsync(probes);
        using var client = await host.ConnectAsync("/echo");
        await client.SendTextAsync("hello");
        Assert.Equal("hello", await client.ReceiveTextAsync());
        Assert.Equal(1, host.Registry.ActiveCount);

        using var timeout = new CancellationTokenSource(Bound);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        Assert.Equal(WebSocketState.Closed, client.State);

        var report = await host.NextReportAsync();
        Assert.Equal(SessionEndReason.Closed, report.Reason);
        Assert.Equal(1, report.TasksStarted);
        Assert.Equal(0, report.TasksFaulted);
        Assert.Equal(2, report.ResourcesDisposed); // the connection binding (socket) and the probe
        Assert.True(report.IsClean, report.ToString());
        Assert.True(probes.TryDequeue(out var probe));
        await AssertCleanAsync(host, probe);
    }

    [Fact]
    public async Task Client_abort_without_a_close_frame_ends_the_session_as_Disconnected()
    {
        var probes = new ConcurrentQueue<Probe>();
        await using var host = await StartEchoAsync(probes);
        var client = await host.ConnectAsync("/echo");
        await client.SendTextAsync("hello");
        Assert.Equal("hello", await client.ReceiveTextAsync());
        client.Abort();
        client.Dispose();

        var report = await host.NextReportAsync();
        Assert.Equal(SessionEndReason.Disconnected, report.Reason);
        Assert.Empty(report.UndrainedTasks);
        Assert.Equal(0, report.TasksFaulted); // the handler's receive failed because the client vanished: not a fault
        Assert.True(probes.TryDequeue(out var probe));
        await AssertCleanAsync(host, probe);
    }

    [Fact]
    public async Task Request_aborted_by_the_server_ends_the_session_as_Disconnected()
    {
        var probes = new ConcurrentQueue<Probe>();
        await using var host = await StartEchoAsync(probes);
        using var client = await host.ConnectAsync("/echo");
        await client.SendTextAsync("abort");

        var report = await host.NextReportAsync();
        Assert.Equal(SessionEndReason.Disconnected, report.Reason);
        Assert.True(probes.TryDequeue(out var probe));
        await AssertCleanAsync(host, probe);
        await Assert.ThrowsAnyAsync<Exception>(() => client.ReceiveTextAsync());
    }

    [Fact]
    public async Task A_handler_that_throws_closes_with_1011_and_the_fault_is_reported()
    {
        var probes = new ConcurrentQueue<Probe>();
        await using var host = await StartEchoAsync(probes);
        using var client = await host.ConnectAsync("/echo");
        await client.SendTextAsync("throw");
        Assert.Null(await client.ReceiveTextAsync());
        Assert.Equal(WebSocketCloseStatus.InternalServerError, client.CloseStatus);
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Bound);

        var report = await host.NextReportAsync();
        Assert.Equal(SessionEndReason.Closed, report.Reason);
        Assert.Equal(1, report.TasksFaulted);
        Assert.True(probes.TryDequeue(out var probe));
        await AssertCleanAsync(host, probe);
    }

    [Fact]
    public async Task Idle_expiry_closes_the_client_socket_with_1001()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var probes = new ConcurrentQueue<Probe>();
        await using var host = await StartEchoAsync(probes, o => o.IdleTimeout = TimeSpan.FromMinutes(1), s => s.AddSingleton<TimeProvider>(time));
        using var client = await host.ConnectAsync("/echo");
        await client.SendTextAsync("hello");
        Assert.Equal("hello", await client.ReceiveTextAsync());

        time.Advance(TimeSpan.FromMinutes(2));
        var sweeping = host.Registry.SweepAsync(); // completes when the teardown has: after the client answers the close

        Assert.Null(await client.ReceiveTextAsync());
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, client.CloseStatus);
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Bound);
        Assert.Equal(1, await sweeping.WaitAsync(Bound));
        var report = await host.NextReportAsync();
        Assert.Equal(SessionEndReason.IdleExpired, report.Reason);
        Assert.Empty(report.UndrainedTasks);
        Assert.True(probes.TryDequeue(out var probe));
        await AssertCleanAsync(host, probe);
    }

    [Fact]
    public async Task Eviction_closes_the_evicted_client_with_1013_try_again_later()
    {
        var probes = new ConcurrentQueue<Probe>();
        await using var host = await StartEchoAsync(probes, o => o.MaxSessions = 1);
        using var first = await host.ConnectAsync("/echo");
        await first.SendTextAsync("one");
        Assert.Equal("one", await first.ReceiveTextAsync());

        using var second = await host.ConnectAsync("/echo");
        Assert.Null(await first.ReceiveTextAsync());
        Assert.Equal(SessionCloseStatus.TryAgainLater, first.CloseStatus);
        Assert.Equal((WebSocketCloseStatus)1013, first.CloseStatus);
        await first.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Bound);
        var report = await host.NextReportAsync();
        Assert.Equal(SessionEndReason.Evicted, report.Reason);

        await second.SendTextAsync("two");
        Assert.Equal("two", await second.ReceiveTextAsync());
        Assert.Equal(1, host.Registry.ActiveCount);
    }

    [Fact]
    public async Task A_full_registry_with_Reject_answers_503_with_Retry_After_and_why_and_creates_nothing()
    {
        var probes = new ConcurrentQueue<Probe>();
        await using var host = await StartEchoAsync(probes, o =>
        {
            o.MaxSessions = 1;
            o.OverflowPolicy = SessionOverflowPolicy.Reject;
        });
        using var first = await host.ConnectAsync("/echo");
        await first.SendTextAsync("one");
        Assert.Equal("one", await first.ReceiveTextAsync());

        var (status, retryAfter) = await host.RefusedAsync("/echo");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("5", retryAfter);

        // The body says why, in the words the SignalR hub filter's HubException uses for the same cause (SignalRTests).
        var (bodyStatus, body) = await host.RefusalAsync("/echo");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, bodyStatus);
        Assert.Equal("The server is at its session limit; try again later.", body);

        Assert.Equal(1, host.Registry.ActiveCount);
        Assert.Single(probes);
        Assert.Empty(host.AllReports);
        Assert.Equal(1, host.Registry.CheckResiduals().ActiveSessions);
    }

    [Fact]
    public async Task A_bad_or_missing_resumable_id_and_a_plain_request_get_400_before_any_upgrade()
    {
        int handlers = 0;
        await using var host = await TestHost.StartAsync(app => app.MapSessionWebSocket(
            "/voice",
            (Session session, WebSocket socket, CancellationToken ct) =>
            {
                Interlocked.Increment(ref handlers);
                return Task.CompletedTask;
            },
            o =>
            {
                o.SessionId = SessionIdSelector.FromQuery("session");
                o.CloseTimeout = TestHost.CloseTimeout;
            }));

        Assert.Equal(HttpStatusCode.BadRequest, (await host.RefusedAsync("/voice?session=%01bad")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.RefusedAsync("/voice")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.RefusedAsync("/voice?session=" + new string('x', SessionId.MaxLength + 1))).Status);

        using var http = new HttpClient { BaseAddress = host.HttpBase, Timeout = Bound };
        using var plain = await http.GetAsync("/voice?session=ok");
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Contains("WebSocket", await plain.Content.ReadAsStringAsync());
        using var missing = await http.GetAsync("/voice");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);

        Assert.Equal(0, handlers);
        Assert.Equal(0, host.Registry.ActiveCount);
        Assert.Empty(host.AllReports);
    }

    [Fact]
    public async Task Options_are_validated_when_the_endpoint_is_mapped()
    {
        await using var host = await TestHost.StartAsync(app =>
        {
            var ex = Assert.Throws<ArgumentException>(() => app.MapSessionWebSocket("/a", (Session s, WebSocket w, CancellationToken ct) => Task.CompletedTask, o => o.ReconnectGrace = TimeSpan.FromSeconds(5)));
            Assert.Equal("ReconnectGrace", ex.ParamName);
            var range = Assert.Throws<ArgumentOutOfRangeException>(() => app.MapSessionWebSocket("/b", (Session s, WebSocket w, CancellationToken ct) => Task.CompletedTask, o => o.CloseTimeout = TimeSpan.Zero));
            Assert.Equal("CloseTimeout", range.ParamName);
        });
        Assert.Equal(0, host.Registry.ActiveCount);
    }
}
