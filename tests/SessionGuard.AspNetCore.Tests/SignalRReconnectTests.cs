using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SessionGuard.AspNetCore.SignalR;

namespace SessionGuard.AspNetCore.Tests;

public class SignalRReconnectTests
{
    private static readonly TimeSpan Bound = TestHost.Bound;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    /// <summary>What the hub saw, shared with the test.</summary>
    public sealed class HubLog
    {
        public Channel<(Session Session, bool Resumed)> Connected { get; } = Channel.CreateUnbounded<(Session, bool)>();

        public Channel<Session> Disconnected { get; } = Channel.CreateUnbounded<Session>();

        public ConcurrentDictionary<Session, Counter> Counters { get; } = new();

        public async Task<(Session Session, bool Resumed)> NextConnectedAsync() => await Connected.Reader.ReadAsync().AsTask().WaitAsync(Bound);
    }

    /// <summary>Per-session state the hub keeps: owned by the session, so disposed when it ends.</summary>
    public sealed class Counter : IDisposable
    {
        private int _count;

        public bool Disposed { get; private set; }

        public int Increment() => Interlocked.Increment(ref _count);

        public void Dispose() => Disposed = true;
    }

    public sealed class CallHub : Hub
    {
        private readonly HubLog _log;

        public CallHub(HubLog log) => _log = log;

        public int Count()
        {
            var session = Context.GetSession();
            return _log.Counters.GetOrAdd(session, s => s.Own(new Counter())).Increment();
        }

        /// <summary>The client leaves for good: the session ends now (not awaited: this invocation is session work the teardown waits for).</summary>
        public void Leave() => _ = Context.GetSession().EndAsync(SessionEndReason.Closed);

        /// <summary>The server drops the transport: no close handshake, as when a network path dies.</summary>
        public void Drop() => Context.GetHttpContext()!.Abort();

        public override Task OnConnectedAsync()
        {
            _log.Connected.Writer.TryWrite((Context.GetSession(), Context.IsSessionResumed()));
            return base.OnConnectedAsync();
        }

        public override Task OnDisconnectedAsync(Exception? exception)
        {
            _log.Disconnected.Writer.TryWrite(Context.GetSession());
            return base.OnDisconnectedAsync(exception);
        }
    }

    /// <summary>A fake clock that says when a timer of a given due time is created (the grace timer), so a test advances it only then.</summary>
    private sealed class SignallingTimeProvider : FakeTimeProvider
    {
        public SignallingTimeProvider()
            : base(DateTimeOffset.UtcNow)
        {
        }

        public Channel<TimeSpan> TimersCreated { get; } = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            TimersCreated.Writer.TryWrite(dueTime);
            return timer;
        }

        public async Task TimerCreatedAsync(TimeSpan dueTime)
        {
            while (await TimersCreated.Reader.ReadAsync().AsTask().WaitAsync(Bound) != dueTime)
            {
            }
        }
    }

    private static async Task<(TestHost Host, HubLog Log, SignallingTimeProvider Time)> StartAsync(Action<SessionGuardHubOptions>? configure = null)
    {
        var log = new HubLog();
        var time = new SignallingTimeProvider();
        var host = await TestHost.StartAsync(
            app => app.MapHub<CallHub>("/call"),
            services: s =>
            {
                s.AddSingleton(log);
                s.AddSingleton<TimeProvider>(time);
                s.AddSignalR().AddSessionGuard(o =>
                {
                    o.SessionId = c => c.GetHttpContext()!.Request.Query["session"];
                    o.ReconnectGrace = Grace;
                    configure?.Invoke(o);
                });
            });
        return (host, log, time);
    }

    private static HubConnection Client(TestHost host, string session, bool reconnect = false)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(host.HttpBase, "/call?session=" + session), o => o.Transports = HttpTransportType.WebSockets);
        if (reconnect)
        {
            builder.WithAutomaticReconnect();
        }

        return builder.Build();
    }

    [Fact]
    public async Task The_clients_automatic_reconnect_after_a_dropped_transport_resumes_the_same_session_with_its_state()
    {
        var (host, log, _) = await StartAsync();
        await using var _ = host;
        await using var client = Client(host, "alice", reconnect: true);
        var reconnecting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnected = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnecting += _ =>
        {
            reconnecting.TrySetResult();
            return Task.CompletedTask;
        };
        client.Reconnected += id =>
        {
            reconnected.TrySetResult(id);
            return Task.CompletedTask;
        };
        await client.StartAsync().WaitAsync(Bound);
        var (session, resumed) = await log.NextConnectedAsync();
        Assert.False(resumed);
        Assert.Equal("alice", session.Id.Value);
        Assert.Equal(1, await client.InvokeAsync<int>("Count").WaitAsync(Bound));
        Assert.Equal(2, await client.InvokeAsync<int>("Count").WaitAsync(Bound));
        string? firstConnectionId = client.ConnectionId;

        // The invocation never completes: the server drops the transport under it.
        await client.SendAsync("Drop").WaitAsync(Bound);
        await reconnecting.Task.WaitAsync(Bound);
        Assert.Same(session, await log.Disconnected.Reader.ReadAsync().AsTask().WaitAsync(Bound));
        string? newConnectionId = await reconnected.Task.WaitAsync(Bound);
        var (again, resumedAgain) = await log.NextConnectedAsync();

        Assert.NotEqual(firstConnectionId, newConnectionId);
        Assert.Same(session, again);
        Assert.True(resumedAgain);
        Assert.Equal(3, await client.InvokeAsync<int>("Count").WaitAsync(Bound));
        Assert.True(session.IsActive);
        Assert.Equal(1, host.Registry.ActiveCount);
        Assert.Single(log.Counters);
        Assert.False(log.Counters[session].Disposed);
        Assert.Empty(host.AllReports);
    }

    [Fact]
    public async Task Without_a_reconnect_within_the_grace_the_session_ends_as_Disconnected_and_a_later_connection_gets_a_new_one()
    {
        var (host, log, time) = await StartAsync();
        await using var _ = host;
        await using (var client = Client(host, "bob"))
        {
            await client.StartAsync().WaitAsync(Bound);
            var (session, _) = await log.NextConnectedAsync();
            Assert.Equal(1, await client.InvokeAsync<int>("Count").WaitAsync(Bound));
            await client.SendAsync("Drop").WaitAsync(Bound);

            await time.TimerCreatedAsync(Grace);
            Assert.True(session.IsActive);
            Assert.Empty(host.AllReports);

            time.Advance(Grace - TimeSpan.FromSeconds(1));
            Assert.True(session.IsActive);
            time.Advance(TimeSpan.FromSeconds(1));
            var report = await host.NextReportAsync();
            Assert.Equal(SessionEndReason.Disconnected, report.Reason);
            Assert.Equal(session.Id, report.SessionId);
            Assert.True(log.Counters[session].Disposed);
        }

        await using var later = Client(host, "bob");
        await later.StartAsync().WaitAsync(Bound);
        var (fresh, resumed) = await log.NextConnectedAsync();
        Assert.False(resumed);
        Assert.Equal("bob", fresh.Id.Value);
        Assert.Equal(1, await later.InvokeAsync<int>("Count").WaitAsync(Bound));
        Assert.Equal(1, host.Registry.ActiveCount);
    }

    [Fact]
    public async Task A_session_ended_by_the_server_during_the_grace_ends_once_and_the_timer_does_nothing()
    {
        var (host, log, time) = await StartAsync();
        await using var _ = host;
        await using (var client = Client(host, "carol"))
        {
            await client.StartAsync().WaitAsync(Bound);
            var (session, _) = await log.NextConnectedAsync();
            await client.SendAsync("Drop").WaitAsync(Bound);
            await time.TimerCreatedAsync(Grace);

            await host.Registry.EndAsync(session.Id, SessionEndReason.Evicted);
            var report = await host.NextReportAsync();
            Assert.Equal(SessionEndReason.Evicted, report.Reason);
            time.Advance(Grace * 2);
        }

        await using var later = Client(host, "carol");
        await later.StartAsync().WaitAsync(Bound);
        var (fresh, resumed) = await log.NextConnectedAsync();
        Assert.False(resumed);
        Assert.True(fresh.IsActive);
        Assert.Single(host.AllReports);
        Assert.Equal(1, host.Registry.ActiveCount);
    }

    [Fact]
    public async Task With_a_grace_a_second_connection_for_the_id_supersedes_the_first_and_keeps_the_session()
    {
        var (host, log, _) = await StartAsync();
        await using var _ = host;
        await using var first = Client(host, "dave");
        var firstClosed = first.WhenClosed();
        await first.StartAsync().WaitAsync(Bound);
        var (session, _) = await log.NextConnectedAsync();
        Assert.Equal(1, await first.InvokeAsync<int>("Count").WaitAsync(Bound));

        // The first connection is alive; with a grace the newer one for its id takes the session, since a reconnecting
        // client often arrives before the server has seen its old connection drop.
        await using var second = Client(host, "dave");
        await second.StartAsync().WaitAsync(Bound);
        await firstClosed.WaitAsync(Bound);
        Assert.Same(session, await log.Disconnected.Reader.ReadAsync().AsTask().WaitAsync(Bound));
        var (again, resumed) = await log.NextConnectedAsync();
        Assert.Same(session, again);
        Assert.True(resumed);
        Assert.Equal(2, await second.InvokeAsync<int>("Count").WaitAsync(Bound));
        Assert.Equal(1, host.Registry.ActiveCount);
        Assert.Empty(host.AllReports);
    }

    [Fact]
    public async Task A_client_that_leaves_for_good_ends_the_session_at_once_despite_the_grace()
    {
        var (host, log, _) = await StartAsync();
        await using var _ = host;
        await using var client = Client(host, "erin");
        var closed = client.WhenClosed();
        await client.StartAsync().WaitAsync(Bound);
        var (session, _) = await log.NextConnectedAsync();
        Assert.Equal(1, await client.InvokeAsync<int>("Count").WaitAsync(Bound));

        // No clock advance: the session does not wait for the grace.
        await client.SendAsync("Leave").WaitAsync(Bound);
        var report = await host.NextReportAsync();
        Assert.Equal(session.Id, report.SessionId);
        Assert.Equal(SessionEndReason.Closed, report.Reason);
        Assert.True(log.Counters[session].Disposed);
        await closed.WaitAsync(Bound);
        Assert.Equal(0, host.Registry.ActiveCount);
        Assert.True(host.Registry.CheckResiduals().IsClean);
    }

    [Fact]
    public void A_grace_without_a_session_id_selector_or_a_negative_grace_is_refused_naming_ReconnectGrace()
    {
        var noSelector = Assert.Throws<ArgumentException>(() => new SessionGuardHubOptions { ReconnectGrace = TimeSpan.FromSeconds(5) }.Validate());
        Assert.Equal(nameof(SessionGuardHubOptions.ReconnectGrace), noSelector.ParamName);
        Assert.Contains("SessionId", noSelector.Message, StringComparison.Ordinal);

        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => new SessionGuardHubOptions { ReconnectGrace = TimeSpan.FromSeconds(-1), SessionId = _ => "x" }.Validate());
        Assert.Equal(nameof(SessionGuardHubOptions.ReconnectGrace), negative.ParamName);

        new SessionGuardHubOptions { ReconnectGrace = TimeSpan.FromSeconds(5), SessionId = _ => "x" }.Validate();
    }

    [Fact]
    public async Task The_filter_built_with_a_grace_and_no_selector_throws_naming_ReconnectGrace()
    {
        await using var host = await TestHost.StartAsync(
            app => app.MapHub<CallHub>("/call"),
            services: s =>
            {
                s.AddSingleton(new HubLog());
                s.AddSignalR().AddSessionGuard(o => o.ReconnectGrace = Grace);
            });

        var error = Assert.Throws<ArgumentException>(() => host.App.Services.GetRequiredService<SessionGuardHubFilter>());
        Assert.Equal(nameof(SessionGuardHubOptions.ReconnectGrace), error.ParamName);
        Assert.Equal(0, host.Registry.ActiveCount);
    }
}
