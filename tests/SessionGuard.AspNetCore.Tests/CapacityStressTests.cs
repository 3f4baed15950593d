using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace SessionGuard.AspNetCore.Tests;

/// <summary>
/// Concurrent clients against a full server: eviction (1013), rejection (503 with Retry-After, nothing created) and
/// refused duplicates (409) while other clients open, close and abort. Every outcome is counted and the counts must add
/// up; nothing is timed.
/// </summary>
public class CapacityStressTests
{
    private const int Workers = 4;
    private const int PerWorker = 100;

    /// <summary>
    /// The server side: an echo handler that records every session it serves and how many handlers run, and a count of
    /// ended sessions that can be awaited.
    /// </summary>
    private sealed class Server
    {
        private readonly object _gate = new();
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = new();
        private int _ended;
        private int _entered;
        private int _exited;

        public ConcurrentDictionary<Session, byte> Sessions { get; } = new();

        public int Entered => Volatile.Read(ref _entered);

        public int Exited => Volatile.Read(ref _exited);

        public void Watch(SessionRegistry registry) => registry.SessionEnded += (_, _) =>
        {
            lock (_gate)
            {
                _ended++;
                foreach (var waiter in _waiters.Where(w => w.Count <= _ended).ToList())
                {
                    waiter.Reached.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        };

        /// <summary>Completes (bounded) once every session served so far has ended.</summary>
        public async Task AllEndedAsync()
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_ended >= Sessions.Count)
                {
                    return;
                }

                _waiters.Add((Sessions.Count, reached));
            }

            await reached.Task.WaitAsync(TestHost.Bound);
        }

        public async Task HandleAsync(Session session, WebSocket socket, HttpContext http, CancellationToken ct)
        {
            Interlocked.Increment(ref _entered);
            Sessions.TryAdd(session, 0);
            session.Own(new Probe());
            try
            {
                while (await socket.ReceiveTextAsync(ct) is { } text && text != "bye")
                {
                    await socket.SendTextAsync(text, ct);
                }
            }
            finally
            {
                Interlocked.Increment(ref _exited);
            }
        }
    }

    private static Task<TestHost> StartAsync(Server server, int maxSessions, SessionOverflowPolicy policy, FakeTimeProvider time) =>
        TestHost.StartAsync(
            app =>
            {
                app.MapSessionWebSocket("/echo", server.HandleAsync, o => o.CloseTimeout = TestHost.CloseTimeout);
                app.MapSessionWebSocket("/keyed", server.HandleAsync, o =>
                {
                    o.SessionId = SessionIdSelector.FromQuery("session");
                    o.DuplicateConnection = DuplicateConnectionPolicy.Refuse;
                    o.CloseTimeout = TestHost.CloseTimeout;
                });
            },
            o =>
            {
                o.MaxSessions = maxSessions;
                o.OverflowPolicy = policy;
            },
            s => s.AddSingleton<TimeProvider>(time));

    [Fact]
    public async Task With_EvictIdlest_new_sessions_evict_idle_ones_with_1013_while_others_churn_and_duplicates_get_409()
    {
        // Holders fill the server and then idle (the fake clock moves on); every churning session is newer, so each
        // eviction takes a holder. Holders outnumber the churning sessions that can be live at once many times over.
        const int Holders = 48;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = new Server();
        await using var host = await StartAsync(server, Holders, SessionOverflowPolicy.EvictIdlest, time);
        server.Watch(host.Registry);
        var clients = new ConcurrentBag<ClientWebSocket>();

        var holders = new List<ClientWebSocket>();
        for (int i = 0; i < Holders; i++)
        {
            var holder = await host.ConnectAsync("/keyed?session=h" + i);
            clients.Add(holder);
            holders.Add(holder);
            await EchoOnceAsync(holder, i);
        }

        Assert.Equal(Holders, host.Registry.ActiveCount);
        time.Advance(TimeSpan.FromMinutes(1));

        // Each holder waits for the server to close it: 1013 when evicted, 1000 when the test ends it below.
        var holderCloses = holders.Select(async h =>
        {
            Assert.Null(await h.ReceiveTextAsync());
            var status = h.CloseStatus;
            await CloseOutputAsync(h);
            return status;
        }).ToArray();

        int churned = 0;
        int conflicts = 0;
        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            for (int n = 0; n < PerWorker; n++)
            {
                switch (n % 4)
                {
                    case 0:
                    {
                        var client = await host.ConnectAsync("/echo");
                        clients.Add(client);
                        await EchoOnceAsync(client, n);
                        using var timeout = new CancellationTokenSource(TestHost.Bound);
                        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                        break;
                    }

                    case 1:
                    {
                        var client = await host.ConnectAsync("/echo");
                        clients.Add(client);
                        await EchoOnceAsync(client, n);
                        client.Abort();
                        break;
                    }

                    case 2:
                    {
                        var client = await host.ConnectAsync("/echo");
                        clients.Add(client);
                        await client.SendTextAsync("bye");
                        Assert.Null(await client.ReceiveTextAsync());
                        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
                        await CloseOutputAsync(client);
                        break;
                    }

                    default:
                    {
                        string key = $"/keyed?session=w{w}-{n}";
                        var first = await host.ConnectAsync(key);
                        clients.Add(first);
                        await EchoOnceAsync(first, n);
                        var (status, _) = await host.RefusedAsync(key);
                        Assert.Equal(HttpStatusCode.Conflict, status);
                        Interlocked.Increment(ref conflicts);
                        await EchoOnceAsync(first, n);
                        using var timeout = new CancellationTokenSource(TestHost.Bound);
                        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                        break;
                    }
                }

                Interlocked.Increment(ref churned);
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TestHost.Bound);

        // The holders still connected are ended by the server now (1000).
        for (int i = 0; i < Holders; i++)
        {
            if (host.Registry.TryGet(SessionId.Parse("h" + i), out var held))
            {
                await held.EndAsync(SessionEndReason.Closed);
            }
        }

        var closes = await Task.WhenAll(holderCloses).WaitAsync(TestHost.Bound);
        await server.AllEndedAsync();

        var reports = host.AllReports.ToArray();
        int evicted = closes.Count(s => s == SessionCloseStatus.TryAgainLater);
        Assert.Equal(Workers * PerWorker, churned);
        Assert.Equal(Workers * PerWorker / 4, conflicts);
        Assert.True(evicted > 0, "the churn evicted no holder");
        Assert.Equal(Holders, evicted + closes.Count(s => s == WebSocketCloseStatus.NormalClosure));
        Assert.Equal(evicted, reports.Count(r => r.Reason == SessionEndReason.Evicted));
        Assert.All(reports.Where(r => r.Reason == SessionEndReason.Evicted), r => Assert.StartsWith("h", r.SessionId.Value, StringComparison.Ordinal));
        // A 409 creates nothing: one session per holder and per churned connection.
        Assert.Equal(Holders + churned, server.Sessions.Count);
        Assert.Equal(server.Sessions.Count, reports.Length);
        AssertClean(host, server, reports, clients);
    }

    [Fact]
    public async Task With_Reject_a_full_server_answers_503_with_Retry_After_and_creates_nothing_while_others_churn()
    {
        const int Holders = 16;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = new Server();
        await using var host = await StartAsync(server, Holders, SessionOverflowPolicy.Reject, time);
        server.Watch(host.Registry);
        var clients = new ConcurrentBag<ClientWebSocket>();

        var holders = new List<ClientWebSocket>();
        for (int i = 0; i < Holders; i++)
        {
            var holder = await host.ConnectAsync("/keyed?session=h" + i);
            clients.Add(holder);
            holders.Add(holder);
            await EchoOnceAsync(holder, i);
        }

        int served = 0;
        int rejected = 0;
        async Task AttemptAsync(int n, bool mustSucceed, bool mustFail)
        {
            var (client, status, retryAfter) = await TryConnectAsync(host, "/echo");
            if (client is null)
            {
                Assert.False(mustSucceed, "a server with room answered " + status);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                Assert.Equal("5", retryAfter);
                Interlocked.Increment(ref rejected);
                return;
            }

            Assert.False(mustFail, "a full server accepted a connection");
            clients.Add(client);
            Interlocked.Increment(ref served);
            await EchoOnceAsync(client, n);
            if (n % 2 == 0)
            {
                using var timeout = new CancellationTokenSource(TestHost.Bound);
                await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            else
            {
                client.Abort();
            }
        }

        // Full and nobody leaving: every attempt is rejected.
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() => AttemptAsync(w, mustSucceed: false, mustFail: true)))).WaitAsync(TestHost.Bound);
        Assert.Equal(Workers, Volatile.Read(ref rejected));
        Assert.Equal(Holders, host.Registry.ActiveCount);
        Assert.Equal(Holders, server.Sessions.Count);
        Assert.Empty(host.AllReports);

        // The holders leave (closing or aborting) while the workers keep trying: each attempt is served or rejected.
        var leaving = Task.Run(async () =>
        {
            for (int i = 0; i < Holders; i++)
            {
                if (i % 2 == 0)
                {
                    using var timeout = new CancellationTokenSource(TestHost.Bound);
                    await holders[i].CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                }
                else
                {
                    holders[i].Abort();
                }

                await Task.Yield();
            }
        });
        var churn = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            for (int n = 0; n < PerWorker; n++)
            {
                await AttemptAsync(n, mustSucceed: false, mustFail: false);
            }
        })).ToArray();
        await Task.WhenAll(churn.Append(leaving)).WaitAsync(TestHost.Bound);

        // Everyone gone: every attempt is served.
        await server.AllEndedAsync();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() => AttemptAsync(w, mustSucceed: true, mustFail: false)))).WaitAsync(TestHost.Bound);
        await server.AllEndedAsync();

        var reports = host.AllReports.ToArray();
        Assert.Equal(Workers * (PerWorker + 2), Volatile.Read(ref served) + Volatile.Read(ref rejected));
        Assert.True(Volatile.Read(ref served) >= Workers);
        // A 503 creates nothing: one session per holder and per served attempt.
        Assert.Equal(Holders + Volatile.Read(ref served), server.Sessions.Count);
        Assert.Equal(server.Sessions.Count, reports.Length);
        Assert.DoesNotContain(reports, r => r.Reason == SessionEndReason.Evicted);
        AssertClean(host, server, reports, clients);
    }

    private static void AssertClean(TestHost host, Server server, SessionTeardownReport[] reports, IEnumerable<ClientWebSocket> clients)
    {
        Assert.All(server.Sessions.Keys, s => Assert.True(s.IsEnded));
        Assert.All(reports, r => Assert.Empty(r.UndrainedTasks));
        Assert.All(reports, r => Assert.Empty(r.Failures));
        Assert.All(reports, r => Assert.Equal(2, r.ResourcesDisposed));
        Assert.Equal(server.Entered, server.Exited);
        Assert.Equal(0, host.Registry.ActiveCount);
        Assert.True(host.Registry.CheckResiduals().IsClean);
        Assert.All(clients, c => Assert.Contains(c.State, new[] { WebSocketState.Closed, WebSocketState.Aborted }));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private static async Task<(ClientWebSocket? Client, HttpStatusCode Status, string? RetryAfter)> TryConnectAsync(TestHost host, string pathAndQuery)
    {
        var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(TestHost.Bound);
        try
        {
            await client.ConnectAsync(host.Ws(pathAndQuery), timeout.Token);
            return (client, client.HttpStatusCode, null);
        }
        catch (WebSocketException)
        {
            string? retryAfter = client.HttpResponseHeaders is { } headers && headers.TryGetValue("Retry-After", out var values) ? values.First() : null;
            var status = client.HttpStatusCode;
            client.Dispose();
            return (null, status, retryAfter);
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
            using var timeout = new CancellationTokenSource(TestHost.Bound);
            await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }
        catch (WebSocketException)
        {
            // The server may have finished the handshake and closed the connection already.
        }
    }
}
