using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace SessionGuard.AspNetCore.Tests;

public class ReconnectTests
{
    private static readonly TimeSpan Bound = TestHost.Bound;

    /// <summary>Records each handler's entry (session, resumed) and exit, the most handlers running at once, and finished requests.</summary>
    private sealed class Recorder
    {
        private int _active;
        private int _maxActive;

        public Channel<(Session Session, bool Resumed)> Entered { get; } = Channel.CreateUnbounded<(Session, bool)>();

        public Channel<Session> Exited { get; } = Channel.CreateUnbounded<Session>();

        public Channel<int> RequestsDone { get; } = Channel.CreateUnbounded<int>();

        public ConcurrentQueue<string> Events { get; } = new();

        public int MaxActive => Volatile.Read(ref _maxActive);

        public async Task<(Session Session, bool Resumed)> NextEntryAsync() => await Entered.Reader.ReadAsync().AsTask().WaitAsync(Bound);

        public async Task<Session> NextExitAsync() => await Exited.Reader.ReadAsync().AsTask().WaitAsync(Bound);

        public async Task NextRequestDoneAsync() => await RequestsDone.Reader.ReadAsync().AsTask().WaitAsync(Bound);

        public async Task HandleAsync(Session session, WebSocket socket, HttpContext http, CancellationToken ct)
        {
            int now = Interlocked.Increment(ref _active);
            int seen;
            while (now > (seen = Volatile.Read(ref _maxActive)) && Interlocked.CompareExchange(ref _maxActive, now, seen) != seen)
            {
            }

            var feature = http.Features.Get<ISessionConnectionFeature>()!;
            Assert.Same(session, feature.Session);
            string tag = http.Request.Query["tag"].ToString();
            Events.Enqueue("enter " + tag);
            Entered.Writer.TryWrite((session, feature.Resumed));
            try
            {
                await Wire.EchoAsync(socket, ct);
            }
            finally
            {
                Events.Enqueue("exit " + tag);
                Interlocked.Decrement(ref _active);
                Exited.Writer.TryWrite(session);
            }
        }
    }

    private static Task<TestHost> StartAsync(Recorder recorder, Action<SessionWebSocketOptions> configure, Action<SessionRegistryOptions>? registry = null, Action<IServiceCollection>? services = null) =>
        TestHost.StartAsync(
            app =>
            {
                app.Use(async (context, next) =>
                {
                    await next(context);
                    recorder.RequestsDone.Writer.TryWrite(0);
                });
                app.MapSessionWebSocket("/voice", recorder.HandleAsync, o =>
                {
                    o.SessionId = SessionIdSelector.FromQuery("session");
                    o.CloseTimeout = TestHost.CloseTimeout;
                    configure(o);
                });
            },
            registry,
            services);

    [Fact]
    public async Task A_reconnect_within_the_grace_gets_the_same_session_with_its_state()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var recorder = new Recorder();
        await using var host = await StartAsync(recorder, o => o.ReconnectGrace = TimeSpan.FromSeconds(30), services: s => s.AddSingleton<TimeProvider>(time));

        var first = await host.ConnectAsync("/voice?session=alice&tag=a");
        var (session, resumed) = await recorder.NextEntryAsync();
        Assert.False(resumed);
        var state = session.Own(new Probe());
        first.Abort();
        first.Dispose();
        await recorder.NextExitAsync();
        await recorder.NextRequestDoneAsync();
        Assert.True(session.IsActive);

        time.Advance(TimeSpan.FromSeconds(29));
        using var second = await host.ConnectAsync("/voice?session=alice&tag=b");
        var (again, resumedAgain) = await recorder.NextEntryAsync();
        Assert.Same(session, again);
        Assert.True(resumedAgain);
        Assert.False(state.Disposed.IsCompleted);
        await second.SendTextAsync("still here");
        Assert.Equal("still here", await second.ReceiveTextAsync());

        // The grace timer of the first drop was stopped by the reconnect.
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(session.IsActive);
        Assert.Empty(host.AllReports);

        using var timeout = new CancellationTokenSource(Bound);
        await second.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        var report = await host.NextReportAsync();
        Assert.Equal(SessionEndReason.Closed, report.Reason);
        await state.Disposed.WaitAsync(Bound);
        Assert.Single(host.AllReports);
        Assert.Equal(0, host.Registry.ActiveCount);
    }

    [Fact]
    public async Task After_the_grace_the_session_ends_as_Disconnected_and_a_reconnect_gets_a_new_one()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var recorder = new Recorder();
        await using var host = await StartAsync(recorder, o => o.ReconnectGrace = TimeSpan.FromSeconds(30), services: s => s.AddSingleton<TimeProvider>(time));

        var first = await host.ConnectAsync("/voice?session=bob&tag=a");
        var (session, _) = await recorder.NextEntryAsync();
        first.Abort();
        first.Dispose();
        await recorder.NextRequestDoneAsync();
        Assert.True(session.IsActive);

        time.Advance(TimeSpan.FromSeconds(30));
        var report = await host.NextReportAsync();
        Assert.Equal(SessionEndReason.Disconnected, report.Reason);
        Assert.Equal(session.Id, report.SessionId);

        using var second = await host.ConnectAsync("/voice?session=bob&tag=b");
        var (fresh, resumed) = await recorder.NextEntryAsync();
        Assert.NotSame(session, fresh);
        Assert.False(resumed);
        Assert.Equal(session.Id, fresh.Id);
    }

    [Fact]
    public async Task A_second_connection_replaces_the_first_whose_handler_ends_before_the_new_one_starts()
    {
        var recorder = new Recorder();
        await using var host = await StartAsync(recorder, o => o.DuplicateConnection = DuplicateConnectionPolicy.Replace);

        using var first = await host.ConnectAsync("/voice?session=carol&tag=a");
        var (session, _) = await recorder.NextEntryAsync();

        var connecting = host.ConnectAsync("/voice?session=carol&tag=b");
        Assert.Null(await first.ReceiveTextAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, first.CloseStatus);
        using (var timeout = new CancellationTokenSource(Bound))
        {
            await first.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }

        using var second = await connecting;
        var (again, resumed) = await recorder.NextEntryAsync();
        Assert.Same(session, again);
        Assert.True(resumed);
        Assert.Equal(new[] { "enter a", "exit a", "enter b" }, recorder.Events.ToArray());
        Assert.Equal(1, recorder.MaxActive);
        Assert.Empty(host.AllReports);
        await second.SendTextAsync("mine now");
        Assert.Equal("mine now", await second.ReceiveTextAsync());
        Assert.Equal(1, host.Registry.ActiveCount);
    }

    [Fact]
    public async Task With_Refuse_a_second_connection_gets_409_and_the_first_goes_on()
    {
        var recorder = new Recorder();
        await using var host = await StartAsync(recorder, o => o.DuplicateConnection = DuplicateConnectionPolicy.Refuse);

        using var first = await host.ConnectAsync("/voice?session=dave&tag=a");
        await recorder.NextEntryAsync();
        Assert.Equal(HttpStatusCode.Conflict, (await host.RefusedAsync("/voice?session=dave&tag=b")).Status);

        await first.SendTextAsync("still mine");
        Assert.Equal("still mine", await first.ReceiveTextAsync());
        Assert.Equal(1, recorder.MaxActive);
        Assert.Empty(host.AllReports);
    }

    [Fact]
    public async Task A_reconnect_while_the_old_session_is_ending_waits_and_gets_a_fresh_session()
    {
        var recorder = new Recorder();
        await using var host = await StartAsync(recorder, o => o.ReconnectGrace = TimeSpan.FromSeconds(30), registry: o => o.DisposeTimeout = TimeSpan.FromSeconds(30));

        using var first = await host.ConnectAsync("/voice?session=erin&tag=a");
        var (old, _) = await recorder.NextEntryAsync();
        var stuck = old.Own(new StuckResource());

        using (var timeout = new CancellationTokenSource(Bound))
        {
            await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }

        await stuck.DisposeStarted.WaitAsync(Bound);
        Assert.False(old.IsActive);
        Assert.False(old.IsEnded);

        var connecting = host.ConnectAsync("/voice?session=erin&tag=b");
        stuck.Release();
        using var second = await connecting;
        var (fresh, resumed) = await recorder.NextEntryAsync();
        Assert.NotSame(old, fresh);
        Assert.False(resumed);
        Assert.True(old.IsEnded);
        var report = await host.NextReportAsync();
        Assert.Equal(old.Id, report.SessionId);
        Assert.Equal(SessionEndReason.Closed, report.Reason);
        await second.SendTextAsync("fresh");
        Assert.Equal("fresh", await second.ReceiveTextAsync());
    }

    [Fact]
    public async Task The_wait_for_an_ending_session_is_bounded_and_answers_503()
    {
        var recorder = new Recorder();
        await using var host = await StartAsync(recorder, o => o.ConnectTimeout = TimeSpan.FromMilliseconds(200), registry: o => o.DisposeTimeout = TimeSpan.FromSeconds(30));

        using var first = await host.ConnectAsync("/voice?session=frank&tag=a");
        var (old, _) = await recorder.NextEntryAsync();
        var stuck = old.Own(new StuckResource());
        using (var timeout = new CancellationTokenSource(Bound))
        {
            await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }

        await stuck.DisposeStarted.WaitAsync(Bound);
        var (status, retryAfter) = await host.RefusedAsync("/voice?session=frank&tag=b");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("5", retryAfter);
        Assert.False(old.IsEnded);

        stuck.Release();
        Assert.Equal(SessionEndReason.Closed, (await host.NextReportAsync()).Reason);
        Assert.Equal(0, host.Registry.ActiveCount);
        Assert.Equal(1, recorder.MaxActive);
    }

    private sealed class StuckResource : IAsyncDisposable
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task DisposeStarted => _started.Task;

        public void Release() => _release.TrySetResult();

        public async ValueTask DisposeAsync()
        {
            _started.TrySetResult();
            await _release.Task;
        }
    }
}
