using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace SessionGuard.AspNetCore.Tests;

public class SignalRTests
{
    private static readonly TimeSpan Bound = TestHost.Bound;

    /// <summary>What the hub saw, shared with the test.</summary>
    public sealed class HubLog
    {
        public Channel<(Session Session, bool ActiveInHubDisconnect, Exception? Error)> Disconnected { get; } = Channel.CreateUnbounded<(Session, bool, Exception?)>();

        public ConcurrentQueue<Probe> Owned { get; } = new();

        public Channel<int> StreamsEnded { get; } = Channel.CreateUnbounded<int>();
    }

    public sealed class VoiceHub : Hub
    {
        private readonly HubLog _log;

        public VoiceHub(HubLog log) => _log = log;

        public string Echo(string text) => Context.GetSession().Id.Value + ":" + text;

        public void Own() => _log.Owned.Enqueue(Context.GetSession().Own(new Probe()));

        public void AbortMe() => Context.Abort();

        public async IAsyncEnumerable<int> Ticks([EnumeratorCancellation] CancellationToken ct)
        {
            try
            {
                for (int i = 0; ; i++)
                {
                    yield return i;
                    await Task.Delay(5, ct);
                }
            }
            finally
            {
                _log.StreamsEnded.Writer.TryWrite(0);
            }
        }

        public override Task OnDisconnectedAsync(Exception? exception)
        {
            var session = Context.GetSession();
            _log.Disconnected.Writer.TryWrite((session, session.IsActive, exception));
            return base.OnDisconnectedAsync(exception);
        }
    }

    private static async Task<(TestHost Host, HubLog Log)> StartAsync(Action<SessionGuardHubOptions>? configure = null, Action<SessionRegistryOptions>? registry = null)
    {
        var log = new HubLog();
        var host = await TestHost.StartAsync(
            app => app.MapHub<VoiceHub>("/hub"),
            registry,
            services: s =>
            {
                s.AddSingleton(log);
                s.AddSignalR().AddSessionGuard(configure);
            });
        return (host, log);
    }

    private static HubConnection Client(TestHost host) =>
        new HubConnectionBuilder().WithUrl(new Uri(host.HttpBase, "/hub"), o => o.Transports = HttpTransportType.WebSockets).Build();

    [Fact]
    public async Task Connect_invoke_and_a_clean_disconnect_end_the_session_as_Closed_after_the_hubs_own_handler()
    {
        var (host, log) = await StartAsync();
        await using var _ = host;
        await using var client = Client(host);
        await client.StartAsync().WaitAsync(Bound);

        Assert.Equal(client.ConnectionId + ":hi", await client.InvokeAsync<string>("Echo", "hi").WaitAsync(Bound));
        await client.InvokeAsync("Own").WaitAsync(Bound);
        Assert.Equal(1, host.Registry.ActiveCount);
        Assert.True(host.Registry.TryGet(SessionId.Parse(client.ConnectionId!), out var session));

        await client.StopAsync().WaitAsync(Bound);
        var (seen, activeInHub, error) = await log.Disconnected.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.Same(session, seen);
        Assert.True(activeInHub);
        Assert.Null(error);
        var report = await host.NextReportAsync();
        // SignalR reports a clean stop and a dropped WebSocket alike (no exception); the filter's other signal, an
        // aborted request, can also fire after a clean stop when the client's TCP close is processed first (seen under
        // load). So a clean stop ends as Closed or, rarely, Disconnected; never as anything else.
        Assert.Contains(report.Reason, new[] { SessionEndReason.Closed, SessionEndReason.Disconnected });
        Assert.Equal(2, report.TasksStarted);
        Assert.Equal(2, report.ResourcesDisposed); // the probe and the session's connection binding
        Assert.True(log.Owned.TryDequeue(out var probe));
        await probe.Disposed.WaitAsync(Bound);
        Assert.Equal(0, host.Registry.ActiveCount);
        Assert.True(host.Registry.CheckResiduals().IsClean);
    }

    [Fact]
    public async Task Each_invocation_touches_the_session()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var log = new HubLog();
        await using var host = await TestHost.StartAsync(
            app => app.MapHub<VoiceHub>("/hub"),
            services: s =>
            {
                s.AddSingleton(log);
                s.AddSingleton<TimeProvider>(time);
                s.AddSignalR().AddSessionGuard();
            });
        await using var client = Client(host);
        await client.StartAsync().WaitAsync(Bound);

        // The hub's OnConnectedAsync (which opens the session) runs after the handshake; an invocation runs after it.
        await client.InvokeAsync<string>("Echo", "first").WaitAsync(Bound);
        Assert.True(host.Registry.TryGet(SessionId.Parse(client.ConnectionId!), out var session));
        var opened = session.LastActivity;
        time.Advance(TimeSpan.FromMinutes(1));
        await client.InvokeAsync<string>("Echo", "x").WaitAsync(Bound);
        Assert.Equal(opened + TimeSpan.FromMinutes(1), session.LastActivity);
    }

    [Fact]
    public async Task A_connection_lost_without_a_close_ends_the_session_as_Disconnected()
    {
        var (host, log) = await StartAsync();
        await using var _ = host;
        var raw = new ClientWebSocket();
        await raw.ConnectAsync(host.Ws("/hub"), CancellationToken.None).WaitAsync(Bound);
        await raw.SendTextAsync("{\"protocol\":\"json\",\"version\":1}\u001e");
        Assert.Equal("{}\u001e", await raw.ReceiveTextAsync());

        // The hub's OnConnectedAsync runs after the handshake answer; an invocation's completion comes after it.
        await raw.SendTextAsync("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"x\"]}\u001e");
        string? message;
        do
        {
            message = await raw.ReceiveTextAsync();
        }
        while (message is not null && !message.Contains("\"type\":3", StringComparison.Ordinal));

        Assert.Contains(":x", message);
        Assert.Equal(1, host.Registry.ActiveCount);
        raw.Abort();
        raw.Dispose();

        var (_, activeInHub, error) = await log.Disconnected.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.True(activeInHub);
        var report = await host.NextReportAsync();
        Assert.Equal(SessionEndReason.Disconnected, report.Reason);
        Assert.Equal(0, host.Registry.ActiveCount);
    }

    [Fact]
    public async Task A_stream_runs_under_the_session_when_the_server_ends_it_the_stream_stops()
    {
        var (host, log) = await StartAsync();
        await using var _ = host;
        await using var client = Client(host);
        var closed = client.WhenClosed();
        await client.StartAsync().WaitAsync(Bound);
        var id = SessionId.Parse(client.ConnectionId!);

        var received = new List<int>();
        var enumerating = Task.Run(async () =>
        {
            try
            {
                await foreach (int tick in client.StreamAsync<int>("Ticks"))
                {
                    lock (received)
                    {
                        received.Add(tick);
                    }

                    if (tick == 3)
                    {
                        await host.Registry.EndAsync(id, SessionEndReason.Evicted);
                    }
                }
            }
            catch (Exception)
            {
                // The connection was aborted under the stream: that is the point.
            }
        });

        await enumerating.WaitAsync(Bound);
        await log.StreamsEnded.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        await closed.WaitAsync(Bound);
        var report = await host.NextReportAsync();
        Assert.Equal(SessionEndReason.Evicted, report.Reason);
        Assert.Empty(report.UndrainedTasks);
        lock (received)
        {
            Assert.Equal(new[] { 0, 1, 2, 3 }, received.GetRange(0, 4));
        }

        Assert.Equal(0, host.Registry.ActiveCount);
    }

    [Fact]
    public async Task A_selector_keys_the_session_and_a_second_connection_for_it_is_refused()
    {
        var (host, log) = await StartAsync(o => o.SessionId = c => c.GetHttpContext()!.Request.Query["session"]);
        await using var _ = host;
        await using var first = new HubConnectionBuilder().WithUrl(new Uri(host.HttpBase, "/hub?session=alice"), o => o.Transports = HttpTransportType.WebSockets).Build();
        await first.StartAsync().WaitAsync(Bound);
        Assert.Equal("alice:hi", await first.InvokeAsync<string>("Echo", "hi").WaitAsync(Bound));

        await using var second = new HubConnectionBuilder().WithUrl(new Uri(host.HttpBase, "/hub?session=alice"), o => o.Transports = HttpTransportType.WebSockets).Build();
        Assert.Contains("This session is already connected.", (await second.StartRefusedAsync()).Message, StringComparison.Ordinal);
        Assert.Equal("alice:still", await first.InvokeAsync<string>("Echo", "still").WaitAsync(Bound));
        Assert.Equal(1, host.Registry.ActiveCount);
    }

    [Fact]
    public async Task A_full_registry_with_Reject_refuses_the_connection_with_a_message_naming_the_limit()
    {
        var (host, _) = await StartAsync(registry: o =>
        {
            o.MaxSessions = 1;
            o.OverflowPolicy = SessionOverflowPolicy.Reject;
        });
        await using var _ = host;
        await using var first = Client(host);
        await first.StartAsync().WaitAsync(Bound);
        Assert.EndsWith(":hi", await first.InvokeAsync<string>("Echo", "hi").WaitAsync(Bound));

        // Without detailed errors SignalR passes on a HubException's message only: the client learns why.
        await using var second = Client(host);
        var error = await second.StartRefusedAsync();
        Assert.Contains("The server is at its session limit; try again later.", error.Message);
        Assert.Equal(1, host.Registry.ActiveCount);
        Assert.Equal(1, host.Registry.CheckResiduals().ActiveSessions);
    }
}
