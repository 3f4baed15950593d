using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SessionGuard.AspNetCore.Tests;

/// <summary>
/// The server ends a session while its handler is busy on the socket, and a reconnect lands as the grace runs out:
/// the client always gets the close frame (never a reset), the handler's failed send is the close and not a fault, and
/// a reconnect is either the old session resumed or a fresh one, never a session that ends under it.
/// </summary>
public class ServerCloseRaceTests
{
    private static readonly TimeSpan Bound = TestHost.Bound;

    [Fact]
    public async Task Ending_a_session_while_its_handler_streams_closes_cleanly_and_counts_no_fault()
    {
        const int Rounds = 40;
        var sessions = new ConcurrentQueue<Session>();
        await using var host = await TestHost.StartAsync(app => app.MapSessionWebSocket(
            "/stream",
            async (Session session, WebSocket socket, CancellationToken ct) =>
            {
                sessions.Enqueue(session);

                // Streams results as fast as it can, and reads the client's frames beside it, until both end.
                var reading = Task.Run(async () =>
                {
                    while (await socket.ReceiveTextAsync(ct) is not null)
                    {
                    }
                });
                var sending = Task.Run(async () =>
                {
                    var frame = Encoding.UTF8.GetBytes(new string('r', 512));
                    while (!reading.IsCompleted)
                    {
                        await socket.SendAsync(frame, WebSocketMessageType.Text, true, ct);
                    }
                });
                await Task.WhenAll(reading, sending);
            },
            o => o.CloseTimeout = TestHost.CloseTimeout));

        for (int round = 0; round < Rounds; round++)
        {
            using var client = await host.ConnectAsync("/stream");
            Assert.NotNull(await client.ReceiveTextAsync());
            Assert.True(sessions.TryDequeue(out var session));
            var ending = session.EndAsync();

            // Whatever text was under way, then the close frame: a reset would throw here.
            while (await client.ReceiveTextAsync() is not null)
            {
            }

            Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
            using (var timeout = new CancellationTokenSource(Bound))
            {
                await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }

            var report = await ending.WaitAsync(Bound);
            Assert.True(report.TasksFaulted == 0, $"round {round}: the handler's send cut by the close was counted as a fault");
            Assert.Empty(report.Failures);
        }
    }

    [Fact]
    public async Task Ending_a_session_before_Run_returned_its_handler_still_lets_the_handler_read_the_clients_close()
    {
        // The handler runs synchronously inside Session.Run until its first await; a fast handler answers the client
        // from there. Here it blocks there while the server ends the session: the close must still wait for it.
        using var release = new ManualResetEventSlim();
        var endedBy = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sessions = new ConcurrentQueue<Session>();
        await using var host = await TestHost.StartAsync(app => app.MapSessionWebSocket(
            "/slow-start",
            async (Session session, WebSocket socket, CancellationToken ct) =>
            {
                sessions.Enqueue(session);
                release.Wait(Bound);
                try
                {
                    endedBy.TrySetResult(await socket.ReceiveTextAsync(ct) is null ? "close frame" : "text");
                }
                catch (Exception ex)
                {
                    endedBy.TrySetResult(ex.GetType().Name);
                }
            },
            o => o.CloseTimeout = TestHost.CloseTimeout));

        using var client = await host.ConnectAsync("/slow-start");
        Session? session = null;
        using (var timeout = new CancellationTokenSource(Bound))
        {
            while (!sessions.TryDequeue(out session))
            {
                await Task.Delay(5, timeout.Token);
            }
        }

        var ending = session.EndAsync();
        Assert.Null(await client.ReceiveTextAsync());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);

        // The handler now starts reading, before the client answers the close: it must get that answer, not a token
        // cancelled under it (a receive cancelled aborts the socket, and the client would read a reset). The pause
        // gives a wrongly cancelled token every chance to be cancelled first.
        await Task.Delay(50);
        release.Set();
        await Task.Delay(50);
        using (var timeout = new CancellationTokenSource(Bound))
        {
            await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }

        Assert.Equal("close frame", await endedBy.Task.WaitAsync(Bound));
        var report = await ending.WaitAsync(Bound);
        Assert.Equal(0, report.TasksFaulted);
    }

    [Fact]
    public async Task A_reconnect_as_the_grace_runs_out_resumes_the_session_or_gets_a_fresh_one_never_one_that_ends_under_it()
    {
        const int Rounds = 150;
        await using var host = await TestHost.StartAsync(app => app.MapSessionWebSocket(
            "/voice",
            (Session session, WebSocket socket, CancellationToken ct) => Wire.EchoAsync(socket, ct),
            o =>
            {
                o.SessionId = SessionIdSelector.FromQuery("session");
                o.CloseTimeout = TestHost.CloseTimeout;

                // Short enough that the reconnect below lands on either side of it, and on it.
                o.ReconnectGrace = TimeSpan.FromMilliseconds(2);
            }));

        for (int round = 0; round < Rounds; round++)
        {
            string key = "grace-" + round;
            var first = await host.ConnectAsync("/voice?session=" + key);
            await EchoAsync(first, "a");
            first.Abort();
            first.Dispose();

            // Each round waits a little longer before coming back, sweeping the moment the grace expires.
            await Task.Delay(round % 4);
            using var second = await host.ConnectAsync("/voice?session=" + key);
            await EchoAsync(second, "b");
            await EchoAsync(second, "c");
            using var timeout = new CancellationTokenSource(Bound);
            await second.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            Assert.Equal(WebSocketCloseStatus.NormalClosure, second.CloseStatus);
        }

        using (var timeout = new CancellationTokenSource(Bound))
        {
            while (host.Registry.ActiveCount != 0)
            {
                await Task.Delay(10, timeout.Token);
            }
        }

        Assert.DoesNotContain(host.AllReports, r => r.TasksFaulted != 0 || r.Failures.Count != 0);
    }

    private static async Task EchoAsync(ClientWebSocket client, string text)
    {
        await client.SendTextAsync(text);
        Assert.Equal(text, await client.ReceiveTextAsync());
    }
}
