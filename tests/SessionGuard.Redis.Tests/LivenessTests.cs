using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

[Collection(RedisCollection.Name)]
public class LivenessTests
{
    private readonly RedisServer _server;

    public LivenessTests(RedisServer server) => _server = server;

    private IDatabase Db => _server.Redis.GetDatabase();

    [Fact]
    public async Task A_lost_nodes_sessions_are_reclaimed_once_by_another_node_and_announced_NodeLost()
    {
        string p = Prefix.New();

        // a's heartbeat timer runs on a clock nobody advances: after its first beat it goes silent, like a crashed node.
        await using var a = await Node.StartAsync(_server.Redis, p, "a", o => { o.HeartbeatInterval = TimeSpan.FromMilliseconds(100); o.NodeTimeout = TimeSpan.FromMilliseconds(300); }, new FakeTimeProvider());
        await using var b = await Node.StartAsync(_server.Redis, p, "b", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); o.WhenOwnedElsewhere = RemoteOwnerPolicy.Refuse; });
        var ids = Enumerable.Range(0, 50).Select(_ => SessionId.New()).ToList();
        var sessions = await Task.WhenAll(ids.Select(id => a.Cluster.OpenAsync(id)));

        await Wait.UntilAsync(async () => !await Db.KeyExistsAsync("{" + p + "}:hb:a"), "a's heartbeat lapsed");

        // Even in refuse mode, an id of a lost node is free to take.
        var taken = await b.Cluster.OpenAsync(ids[0]);
        Assert.True(taken.IsActive);

        long reclaimed = await b.Cluster.HeartbeatAsync();
        Assert.Equal(ids.Count - 1, reclaimed);
        Assert.Equal(0, await b.Cluster.HeartbeatAsync()); // exactly once

        await Wait.UntilAsync(() => b.RemoteEnded.Count == ids.Count - 1, "b heard every reclaimed session");
        Assert.All(b.RemoteEnded, e => Assert.Equal((SessionEndReason.NodeLost, "a"), (e.Reason, e.Node)));
        Assert.Equal(ids.Skip(1).OrderBy(i => i.Value), b.RemoteEnded.Select(e => e.Id).OrderBy(i => i.Value));

        // Only b's claim is left; a is gone from the node index.
        var keys = await _server.KeysAsync(p);
        Assert.Equal(new[] { "{" + p + "}:all", "{" + p + "}:epoch", "{" + p + "}:fence", "{" + p + "}:hb:b", "{" + p + "}:set:b", "{" + p + "}:nodes", "{" + p + "}:s:" + ids[0].Value }.Order(StringComparer.Ordinal), keys);
        Assert.Null(await Db.SortedSetScoreAsync("{" + p + "}:nodes", "a"));

        // a heard the announcements too (it is alive in this process): its stale copies end, and its ends change nothing.
        await Wait.UntilAsync(() => sessions.All(s => s.IsEnded), "a ended its stale copies");
        Assert.Equal(SessionEndReason.MovedToAnotherNode, sessions[0].EndReason);
        Assert.All(sessions.Skip(1), s => Assert.Equal(SessionEndReason.NodeLost, s.EndReason));
        Assert.Equal("b", (string?)await Db.HashGetAsync("{" + p + "}:s:" + ids[0].Value, "node"));
        await Wait.UntilAsync(() => a.Cluster.ClaimCount == 0, "a dropped every claim");
    }

    [Fact]
    public async Task A_node_whose_heartbeat_lapsed_ends_on_its_next_renewal_every_copy_it_no_longer_owns()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); });
        var kept = await a.Cluster.OpenAsync(SessionId.New());
        var lost = await a.Cluster.OpenAsync(SessionId.New());
        Assert.True(a.Cluster.TryGetFence(kept.Id, out long keptFence));

        // What a partition looks like from Redis: a's heartbeat expired, and while a was away another node claimed one of
        // its sessions with a higher fencing number, and every notice of it was lost.
        await Db.KeyDeleteAsync("{" + p + "}:hb:a");
        await Db.HashSetAsync("{" + p + "}:s:" + lost.Id.Value, new HashEntry[] { new("node", "c"), new("fence", 1_000_000) });

        await a.Cluster.HeartbeatAsync();

        var report = await lost.EndAsync();
        Assert.Equal(SessionEndReason.NodeLost, report.Reason);
        Assert.True(kept.IsActive);
        Assert.True(a.Cluster.TryGetFence(kept.Id, out long stillKept));
        Assert.Equal(keptFence, stillKept);

        // a's end of the lost copy did not remove c's record.
        Assert.Equal("c", (string?)await Db.HashGetAsync("{" + p + "}:s:" + lost.Id.Value, "node"));
        Assert.Equal(1_000_000, (long)await Db.HashGetAsync("{" + p + "}:s:" + lost.Id.Value, "fence"));
    }

    [Fact]
    public async Task An_open_that_finds_the_heartbeat_lapsed_renews_and_claims_without_waiting_for_the_check_of_the_held_sessions()
    {
        string p = Prefix.New();

        // The check after a lapse gets stuck where it reports how many sessions it checks: a logging sink that does not return.
        using var logging = new StuckLoggerFactory(eventId: 104);
        await using var registry = new SessionRegistry();
        await using var a = new RedisSessionCluster(registry, _server.Redis, new RedisSessionOptions { KeyPrefix = p, NodeId = "a", HeartbeatInterval = TimeSpan.FromMinutes(1), NodeTimeout = TimeSpan.FromMinutes(5) }, logging);
        await a.StartAsync();
        var held = await a.OpenAsync(SessionId.New());

        await Db.KeyDeleteAsync("{" + p + "}:hb:a");
        var opened = await a.OpenAsync(SessionId.New()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(opened.IsActive);
        Assert.True(await Db.KeyExistsAsync("{" + p + "}:hb:a"));
        Assert.Equal("a", (string?)await Db.HashGetAsync("{" + p + "}:s:" + opened.Id.Value, "node"));

        // The check ran beside the open, and once it goes on it keeps the session a still owns.
        await logging.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        logging.Released.Set();
        await a.HeartbeatAsync();
        Assert.True(held.IsActive);
        Assert.True(opened.IsActive);
    }

    [Fact]
    public async Task The_renewals_go_on_while_an_upkeep_pass_is_stuck()
    {
        string p = Prefix.New();
        string nodes = "{" + p + "}:nodes";
        await using var lost = await Node.StartAsync(_server.Redis, p, "lost", o => { o.HeartbeatInterval = TimeSpan.FromMilliseconds(100); o.NodeTimeout = TimeSpan.FromMilliseconds(300); }, new FakeTimeProvider());
        await lost.Cluster.OpenAsync(SessionId.New());

        // b's upkeep gets stuck where it reports the reclaim of the lost node: a logging sink that does not return.
        using var logging = new StuckLoggerFactory(eventId: 105);
        await using var registry = new SessionRegistry();
        await using var b = new RedisSessionCluster(registry, _server.Redis, new RedisSessionOptions { KeyPrefix = p, NodeId = "b", HeartbeatInterval = TimeSpan.FromMilliseconds(50), NodeTimeout = TimeSpan.FromSeconds(5) }, logging);
        await b.StartAsync();
        await logging.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Its deadline in the node index moves on with every renewal: b stays alive while its upkeep is stuck.
        double stuckAt = (await Db.SortedSetScoreAsync(nodes, "b"))!.Value;
        await Wait.UntilAsync(async () => (await Db.SortedSetScoreAsync(nodes, "b")) > stuckAt, "b renewed its heartbeat while its upkeep was stuck");
        Assert.False(logging.Released.IsSet);
        Assert.True(await Db.KeyExistsAsync("{" + p + "}:hb:b"));

        logging.Released.Set();
    }

    [Fact]
    public async Task The_renewals_go_on_while_a_restarted_process_is_still_reclaiming_what_its_earlier_process_left()
    {
        string p = Prefix.New();
        string nodes = "{" + p + "}:nodes";

        // The earlier process under the name: sessions, then gone while its heartbeat key is still alive.
        var earlier = await Node.StartAsync(_server.Redis, p, "gw-1", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); });
        var left = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => earlier.Cluster.OpenAsync(SessionId.New())));

        // The restarted process's start gets stuck where it reports that reclaim.
        using var logging = new StuckLoggerFactory(eventId: 105);
        await using var registry = new SessionRegistry();
        await using var restarted = new RedisSessionCluster(registry, _server.Redis, new RedisSessionOptions { KeyPrefix = p, NodeId = "gw-1", HeartbeatInterval = TimeSpan.FromMilliseconds(50), NodeTimeout = TimeSpan.FromSeconds(5) }, logging);
        var start = restarted.StartAsync();
        await logging.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        double stuckAt = (await Db.SortedSetScoreAsync(nodes, "gw-1"))!.Value;
        await Wait.UntilAsync(async () => (await Db.SortedSetScoreAsync(nodes, "gw-1")) > stuckAt, "the restarted process renewed while its start was stuck");
        Assert.False(start.IsCompleted);

        logging.Released.Set();
        await start;
        Assert.All(left, s => Assert.False(Db.KeyExists("{" + p + "}:s:" + s.Id.Value)));
        await Wait.UntilAsync(() => left.All(s => s.EndReason == SessionEndReason.NodeLost), "the earlier copies ended");
        await earlier.DisposeAsync();
    }

    [Fact]
    public async Task A_heartbeat_costs_the_same_Redis_commands_with_10_and_1000_sessions()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); });
        foreach (var _ in Enumerable.Range(0, 10))
        {
            await a.Cluster.OpenAsync(SessionId.New());
        }

        long with10 = await CommandsOfOneHeartbeat(a);
        await Task.WhenAll(Enumerable.Range(0, 990).Select(_ => a.Cluster.OpenAsync(SessionId.New())));
        Assert.Equal(1000, a.Registry.ActiveCount);
        long with1000 = await CommandsOfOneHeartbeat(a);

        Assert.Equal(with10, with1000);
        Assert.InRange(with10, 1, 20);
    }

    [Fact]
    public async Task An_end_Redis_does_not_take_in_time_is_queued_and_written_at_a_later_heartbeat()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); o.OperationTimeout = TimeSpan.FromMilliseconds(200); });
        var session = await a.Cluster.OpenAsync(SessionId.New());
        string record = "{" + p + "}:s:" + session.Id.Value;

        // Redis holds every write for a while: the end's compare-and-delete does not answer within OperationTimeout.
        await _server.Redis.GetServer(_server.Redis.GetEndPoints()[0]).ExecuteAsync("CLIENT", "PAUSE", "1500", "WRITE");
        var report = await session.EndAsync();

        Assert.Equal(SessionEndReason.Closed, report.Reason); // the session ended locally all the same
        Assert.True(a.Cluster.IsDegraded);
        Assert.Equal(1, a.Cluster.PendingEnds);

        await Wait.UntilAsync(async () =>
        {
            try
            {
                await a.Cluster.HeartbeatAsync();
                return true;
            }
            catch (RedisSessionUnavailableException)
            {
                return false;
            }
        }, "a heartbeat went through after the pause");

        Assert.Equal(0, a.Cluster.PendingEnds);
        Assert.False(a.Cluster.IsDegraded);
        Assert.False(await Db.KeyExistsAsync(record));
    }

    [Fact]
    public async Task Without_Redis_a_new_session_fails_closed_within_the_timeout_and_nothing_is_opened()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},abortConnect=false,connectTimeout=200");
        await using var registry = new SessionRegistry();
        await using var cluster = new RedisSessionCluster(registry, redis, new RedisSessionOptions { OperationTimeout = TimeSpan.FromMilliseconds(300) });

        var failure = await Assert.ThrowsAsync<RedisSessionUnavailableException>(() => cluster.OpenAsync(SessionId.New()));

        Assert.Contains("OperationTimeout", failure.Message);
        Assert.Equal(0, registry.ActiveCount);
        Assert.Equal(0, cluster.ClaimCount);

        // Sessions that are not clustered keep working.
        var local = registry.Open(SessionId.New());
        Assert.NotNull(await registry.EndAsync(local.Id));
    }

    private async Task<long> CommandsOfOneHeartbeat(Node node)
    {
        var server = _server.Redis.GetServer(_server.Redis.GetEndPoints()[0]);
        await server.ConfigResetStatisticsAsync();
        await node.Cluster.HeartbeatAsync();
        var stats = (string)(await server.ExecuteAsync("INFO", "commandstats"))!;
        long total = 0;
        var ignored = new HashSet<string> { "ping", "echo", "info", "config|resetstat", "client|setname", "client|setinfo", "cluster|nodes", "subscribe", "hello" };
        foreach (var line in stats.Split('\n'))
        {
            // cmdstat_set:calls=1,usec=...
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                continue;
            }

            string name = line["cmdstat_".Length..line.IndexOf(':', StringComparison.Ordinal)];
            int calls = line.IndexOf("calls=", StringComparison.Ordinal) + "calls=".Length;
            long count = long.Parse(line[calls..line.IndexOf(',', calls)], System.Globalization.CultureInfo.InvariantCulture);
            if (!ignored.Contains(name))
            {
                total += count;
            }
        }

        return total;
    }
}

/// <summary>A logging sink that gets stuck (the thread that logs does not return) on one event until released.</summary>
internal sealed class StuckLoggerFactory(int eventId) : ILoggerFactory, ILogger
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ManualResetEventSlim Released { get; } = new();

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId1, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId1.Id == eventId)
        {
            Entered.TrySetResult();
            Released.Wait(TimeSpan.FromSeconds(60));
        }
    }

    public void Dispose()
    {
        Released.Set();
        Released.Dispose();
    }
}
