using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SessionGuard.AspNetCore.Tests;

public class StressTests
{
    private static readonly TimeSpan Bound = TestHost.Bound;

    private enum Way
    {
        CleanClose,
        ClientAbort,
        ServerAbort,
        HandlerThrows,
        HandlerReturns,
        ResumableDropAndResume,
        ResumableReplaced,
        ServerEnds,
    }

    [Fact]
    public async Task Eight_clients_open_and_close_2000_connections_in_every_way_and_nothing_is_left()
    {
        const int Clients = 8;
        const int PerClient = 250;
        var sessions = new ConcurrentDictionary<Session, byte>();
        int entered = 0;
        int exited = 0;

        async Task Handler(Session session, WebSocket socket, HttpContext http, CancellationToken ct)
        {
            Interlocked.Increment(ref entered);
            sessions.TryAdd(session, 0);
            session.Own(new Probe());
            try
            {
                while (true)
                {
                    string? text = await socket.ReceiveTextAsync(ct);
                    switch (text)
                    {
                        case null:
                        case "bye":
                            return;
                        case "throw":
                            throw new InvalidOperationException("handler failed");
                        case "abort":
                            http.Abort();
                            return;
                        default:
                            await socket.SendTextAsync(text, ct);
                            break;
                    }
                }
            }
            finally
            {
                Interlocked.Increment(ref exited);
            }
        }

        await using var host = await TestHost.StartAsync(
            app =>
            {
                app.MapSessionWebSocket("/echo", Handler, o => o.CloseTimeout = TestHost.CloseTimeout);
                app.MapSessionWebSocket("/voice", Handler, o =>
                {
                    o.SessionId = SessionIdSelector.FromQuery("session");
                    o.CloseTimeout = TestHost.CloseTimeout;
                    o.ReconnectGrace = TimeSpan.FromMilliseconds(100);
                });
            },
            o => o.MaxSessions = 10_000);

        var ways = new ConcurrentDictionary<Way, int>();
        var workers = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            for (int n = 0; n < PerClient; n++)
            {
                var way = (Way)(n % 8);
                ways.AddOrUpdate(way, 1, (_, v) => v + 1);
                string key = $"c{c}-{random.Next(4)}";
                try
                {
                    await RunOneAsync(host, way, key, n);
                }
                catch (Exception ex)
                {
                    throw new InvalidOperationException($"client {c}, connection {n}, {way}, key {key}", ex);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(120));

        // Sessions dropped within the grace end when it passes; wait (bounded) for every one to be reported.
        using (var timeout = new CancellationTokenSource(Bound))
        {
            while (host.AllReports.Count < sessions.Count || host.Registry.ActiveCount != 0)
            {
                await Task.Delay(20, timeout.Token);
            }
        }

        var reports = host.AllReports.ToArray();
        Assert.Equal(Clients * PerClient, ways.Values.Sum());
        Assert.Equal(sessions.Count, reports.Length);
        Assert.Equal(ways[Way.HandlerThrows], reports.Sum(r => r.TasksFaulted));
        Assert.All(sessions.Keys, s => Assert.True(s.IsEnded));
        Assert.All(reports, r => Assert.Empty(r.UndrainedTasks));
        Assert.All(reports, r => Assert.Empty(r.Failures));
        Assert.Contains(reports, r => r.Reason == SessionEndReason.Closed);
        Assert.Contains(reports, r => r.Reason == SessionEndReason.Disconnected);
        Assert.Equal(Volatile.Read(ref entered), Volatile.Read(ref exited));
        Assert.Equal(0, host.Registry.ActiveCount);
        Assert.True(host.Registry.CheckResiduals().IsClean);
    }

    private static async Task RunOneAsync(TestHost host, Way way, string key, int n)
    {
        switch (way)
        {
            case Way.CleanClose:
            {
                using var client = await host.ConnectAsync("/echo");
                await EchoOnceAsync(client, n);
                using var timeout = new CancellationTokenSource(Bound);
                await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                break;
            }

            case Way.ClientAbort:
            {
                using var client = await host.ConnectAsync("/echo");
                await EchoOnceAsync(client, n);
                client.Abort();
                break;
            }

            case Way.ServerAbort:
            {
                using var client = await host.ConnectAsync("/echo");
                await client.SendTextAsync("abort");
                await DrainAsync(client);
                break;
            }

            case Way.HandlerThrows:
            case Way.HandlerReturns:
            {
                using var client = await host.ConnectAsync("/echo");
                await client.SendTextAsync(way == Way.HandlerThrows ? "throw" : "bye");
                Assert.Null(await client.ReceiveTextAsync());
                Assert.Equal(way == Way.HandlerThrows ? WebSocketCloseStatus.InternalServerError : WebSocketCloseStatus.NormalClosure, client.CloseStatus);
                await CloseOutputAsync(client);
                break;
            }

            case Way.ResumableDropAndResume:
            {
                var first = await host.ConnectAsync("/voice?session=" + key);
                await EchoOnceAsync(first, n);
                first.Abort();
                first.Dispose();
                using var second = await host.ConnectAsync("/voice?session=" + key);
                await EchoOnceAsync(second, n);
                if (n % 2 == 0)
                {
                    second.Abort();
                }
                else
                {
                    using var timeout = new CancellationTokenSource(Bound);
                    await second.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                }

                break;
            }

            case Way.ResumableReplaced:
            {
                using var first = await host.ConnectAsync("/voice?session=" + key);
                await EchoOnceAsync(first, n);
                var connecting = host.ConnectAsync("/voice?session=" + key);
                Assert.Null(await first.ReceiveTextAsync());
                Assert.Equal(WebSocketCloseStatus.PolicyViolation, first.CloseStatus);
                await CloseOutputAsync(first);
                using var second = await connecting;
                await EchoOnceAsync(second, n);
                second.Abort();
                break;
            }

            case Way.ServerEnds:
            {
                using var client = await host.ConnectAsync("/voice?session=" + key);
                await EchoOnceAsync(client, n);
                var ending = host.Registry.EndAsync(SessionId.Parse(key)).AsTask();
                Assert.Null(await client.ReceiveTextAsync());
                Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
                await CloseOutputAsync(client);
                await ending.WaitAsync(Bound);
                break;
            }
        }
    }

    private static async Task EchoOnceAsync(ClientWebSocket client, int n)
    {
        await client.SendTextAsync("m" + n);
        Assert.Equal("m" + n, await client.ReceiveTextAsync());
    }

    private static async Task CloseOutputAsync(ClientWebSocket client)
    {
        try
        {
            using var timeout = new CancellationTokenSource(Bound);
            await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }
        catch (WebSocketException)
        {
            // The server may have finished the handshake and closed the connection already.
        }
    }

    private static async Task DrainAsync(ClientWebSocket client)
    {
        try
        {
            while (await client.ReceiveTextAsync() is not null)
            {
            }
        }
        catch (WebSocketException)
        {
            // The server aborted the connection: expected.
        }
    }
}
