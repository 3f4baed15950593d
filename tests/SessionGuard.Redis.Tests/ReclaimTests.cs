using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

/// <summary>The reclaim of a lost node in chunks: Redis serves other commands between them, each session goes once.</summary>
[Collection(RedisCollection.Name)]
public class ReclaimTests
{
    private readonly RedisServer _server;

    public ReclaimTests(RedisServer server) => _server = server;

    private IDatabase Db => _server.Redis.GetDatabase();

    [Fact]
    public async Task A_lost_node_with_many_sessions_is_reclaimed_in_chunks_by_two_racing_nodes_each_end_announced_once()
    {
        const int Sessions = 5000;
        string p = Prefix.New();
        string b0 = "{" + p + "}";
        Action<RedisSessionOptions> quiet = o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); };

        // a reaches Redis through a proxy the test cuts, and its timer runs on a clock nobody advances: a partitioned node.
        await using var proxy = new TcpProxy(_server.Port);
        var configuration = ConfigurationOptions.Parse($"127.0.0.1:{proxy.Port},abortConnect=false,connectTimeout=500");
        configuration.BacklogPolicy = BacklogPolicy.FailFast; // as RedisSessionCluster.Connect makes it
        await using var partitioned = await ConnectionMultiplexer.ConnectAsync(configuration);
        await using var a = await Node.StartAsync(partitioned, p, "a", quiet, new FakeTimeProvider(), new SessionRegistryOptions { MaxSessions = Sessions });
        await using var observer = await Node.StartAsync(_server.Redis, p, "observer", quiet);
        await using var b = await Node.StartAsync(_server.Redis, p, "b", quiet);
        await using var c = await Node.StartAsync(_server.Redis, p, "c", quiet);
        var sessions = new List<Session>();
        foreach (var batch in Enumerable.Range(0, Sessions).Chunk(500))
        {
            sessions.AddRange(await Task.WhenAll(batch.Select(_ => a.Cluster.OpenAsync(SessionId.New()))));
        }

        var owned = sessions.Take(500).Select(s => (Session: s, Key: b0 + ":user:" + s.Id.Value)).ToList();
        await Task.WhenAll(owned.Select(x => Db.StringSetAsync(x.Key, "v")));
        await Task.WhenAll(owned.Select(x => x.Session.OwnRedisKeyAsync(x.Key)));
        var kept = await observer.Cluster.OpenAsync(SessionId.New());

        proxy.Cut();
        await Db.KeyDeleteAsync(b0 + ":hb:a");
        await Db.SortedSetAddAsync(b0 + ":nodes", "a", 0);
        var server = _server.Redis.GetServer(_server.Redis.GetEndPoints()[0]);
        await server.ConfigResetStatisticsAsync();

        var counts = await Task.WhenAll(Task.Run(b.Cluster.HeartbeatAsync), Task.Run(c.Cluster.HeartbeatAsync));

        // Every session went once, by one of the two, in chunks: no one script held Redis for all of them.
        Assert.Equal(Sessions, counts.Sum());
        Assert.True(await ScriptsRunAsync(server) >= Sessions / RedisSessionCluster.ReclaimChunkSize, "the reclaim ran in chunks");
        Assert.All(owned, x => Assert.False(Db.KeyExists(x.Key), x.Key + " was reclaimed with its session"));

        // Announced once each: an end published after the reclaim arrives after every announcement of it.
        await kept.EndAsync();
        await Wait.UntilAsync(() => b.RemoteEnded.Any(e => e.Id == kept.Id), "b heard the later end");
        var heard = b.RemoteEnded.Where(e => e.Node == "a").ToList();
        Assert.Equal(Sessions, heard.Count);
        Assert.Equal(sessions.Select(s => s.Id.Value).Order(StringComparer.Ordinal), heard.Select(e => e.Id.Value).Order(StringComparer.Ordinal));
        Assert.All(heard, e => Assert.Equal(SessionEndReason.NodeLost, e.Reason));

        // Nothing of a is left; back from the partition, a ends every copy it lost.
        Assert.Equal(
            new[] { "epoch", "fence", "hb:b", "hb:c", "hb:observer", "nodes" }.Select(k => b0 + ":" + k).Order(StringComparer.Ordinal),
            await _server.KeysAsync(p));
        Assert.All(sessions, s => Assert.True(s.IsActive));
        proxy.Restore();
        await Wait.UntilAsync(async () => await TryHeartbeatAsync(a), "a's heartbeat went through again");
        await Wait.UntilAsync(() => sessions.All(s => s.EndReason == SessionEndReason.NodeLost), "a ended its reclaimed copies");
    }

    [Fact]
    public async Task A_chunk_leaves_a_claim_the_condemned_node_made_after_it_was_condemned()
    {
        string p = Prefix.New();
        string b0 = "{" + p + "}";
        await using var a = await Node.StartAsync(_server.Redis, p, "a", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); }, new FakeTimeProvider());
        var before = await a.Cluster.OpenAsync(SessionId.New());
        var again = await a.Cluster.OpenAsync(SessionId.New());

        // Another node condemns a (lost: no heartbeat, deadline passed); its chunks have not run yet.
        await Db.KeyDeleteAsync(b0 + ":hb:a");
        await Db.SortedSetAddAsync(b0 + ":nodes", "a", 0);
        var inProgress = (RedisResult[])(await Db.ScriptEvaluateAsync(Scripts.Reclaim, new RedisKey[] { b0 + ":nodes", b0 + ":reclaims" }, new RedisValue[] { b0, 16 }))!;
        Assert.Equal(new[] { "a" }, inProgress.Select(n => (string)n!));

        // a's name claims one of those ids again meanwhile (a process restarted under it, or a back from a partition).
        await Db.StringSetAsync(b0 + ":hb:a", "x", TimeSpan.FromMinutes(1));
        var claimed = (RedisResult[])(await Db.ScriptEvaluateAsync(Scripts.Claim, new RedisKey[] { b0 + ":s:" + again.Id.Value, b0 + ":fence", b0 + ":set:a", b0 + ":hb:a", b0 + ":all" }, new RedisValue[] { again.Id.Value, "a", 0, b0, b0 + ":events", "token", 0, 0 }))!;
        Assert.Equal(1, (int)claimed[0]);

        var chunk = (RedisResult[])(await Db.ScriptEvaluateAsync(Scripts.ReclaimChunk, new RedisKey[] { b0 + ":reclaims" }, new RedisValue[] { b0, b0 + ":events", "a", 500 }))!;

        Assert.Equal((1L, 0L), ((long)chunk[0], (long)chunk[1]));
        Assert.False(await Db.KeyExistsAsync(b0 + ":s:" + before.Id.Value));
        Assert.Equal((long)claimed[2], (long)await Db.HashGetAsync(b0 + ":s:" + again.Id.Value, "fence"));
        Assert.False(await Db.KeyExistsAsync(b0 + ":reclaims"), "the reclaim is done");
        Assert.False(await Db.KeyExistsAsync(b0 + ":lost:a"));
    }

    private static async Task<bool> TryHeartbeatAsync(Node node)
    {
        try
        {
            await node.Cluster.HeartbeatAsync();
            return true;
        }
        catch (RedisSessionUnavailableException)
        {
            return false;
        }
    }

    private static async Task<long> ScriptsRunAsync(IServer server)
    {
        var stats = (string)(await server.ExecuteAsync("INFO", "commandstats"))!;
        long total = 0;
        foreach (var line in stats.Split('\n').Where(l => l.StartsWith("cmdstat_eval", StringComparison.Ordinal)))
        {
            int calls = line.IndexOf("calls=", StringComparison.Ordinal) + "calls=".Length;
            total += long.Parse(line[calls..line.IndexOf(',', calls)], System.Globalization.CultureInfo.InvariantCulture);
        }

        return total;
    }
}
