using System;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

/// <summary>MaxSessionsPerCluster: a cap counted in Redis across every node, refusing or evicting like the local cap.</summary>
[Collection(RedisCollection.Name)]
public class ClusterCapTests
{
    private readonly RedisServer _server;

    public ClusterCapTests(RedisServer server) => _server = server;

    private IDatabase Db => _server.Redis.GetDatabase();

    [Fact]
    public async Task A_new_session_past_the_cluster_cap_is_refused_by_name_and_opens_nothing_anywhere()
    {
        string p = Prefix.New();
        Action<RedisSessionOptions> capped = o => o.MaxSessionsPerCluster = 3;
        await using var a = await Node.StartAsync(_server.Redis, p, "a", capped);
        await using var b = await Node.StartAsync(_server.Redis, p, "b", capped);
        var first = await a.Cluster.OpenAsync(SessionId.New());
        var second = await a.Cluster.OpenAsync(SessionId.New());
        var third = await b.Cluster.OpenAsync(SessionId.New());

        var refused = SessionId.New();
        var error = await Assert.ThrowsAsync<SessionLimitExceededException>(() => b.Cluster.OpenAsync(refused));
        Assert.Contains("RedisSessionOptions.MaxSessionsPerCluster is 3", error.Message, StringComparison.Ordinal);
        Assert.Equal((refused, 3), (error.Session, error.MaxSessions));
        Assert.False(b.Registry.IsActive(refused));
        Assert.False(await Db.KeyExistsAsync("{" + p + "}:s:" + refused.Value));
        Assert.Equal(1, b.Cluster.ClaimCount);

        // Taking over a session the cluster already counts is not a new session.
        var moved = await b.Cluster.OpenAsync(first.Id);
        await Wait.UntilAsync(() => first.IsEnded, "a ended its copy");
        Assert.Equal(3, await Db.SortedSetLengthAsync("{" + p + "}:all"));

        // An end anywhere makes room.
        await second.EndAsync();
        var fourth = await b.Cluster.OpenAsync(refused);
        Assert.True(fourth.IsActive && third.IsActive && moved.IsActive);
        Assert.Equal(3, await Db.SortedSetLengthAsync("{" + p + "}:all"));
    }

    [Fact]
    public async Task Evict_oldest_ends_the_session_claimed_longest_ago_on_its_node_with_its_keys()
    {
        string p = Prefix.New();
        Action<RedisSessionOptions> capped = o => { o.MaxSessionsPerCluster = 2; o.WhenClusterFull = ClusterOverflowPolicy.EvictOldest; };
        await using var a = await Node.StartAsync(_server.Redis, p, "a", capped);
        await using var b = await Node.StartAsync(_server.Redis, p, "b", capped);
        var oldest = await a.Cluster.OpenAsync(SessionId.New());
        string key = "{" + p + "}:user:" + oldest.Id.Value;
        await Db.StringSetAsync(key, "v");
        await oldest.OwnRedisKeyAsync(key);
        var middle = await b.Cluster.OpenAsync(SessionId.New());

        var newest = await b.Cluster.OpenAsync(SessionId.New());

        await Wait.UntilAsync(() => oldest.IsEnded, "a ended the evicted session");
        Assert.Equal(SessionEndReason.Evicted, oldest.EndReason);
        Assert.False(await Db.KeyExistsAsync(key));
        Assert.False(await Db.KeyExistsAsync("{" + p + "}:s:" + oldest.Id.Value));
        Assert.True(middle.IsActive && newest.IsActive);
        Assert.Equal(new[] { middle.Id.Value, newest.Id.Value }.Order(StringComparer.Ordinal), (await Db.SortedSetRangeByRankAsync("{" + p + "}:all")).Select(v => (string)v!).Order(StringComparer.Ordinal));
        await Wait.UntilAsync(() => b.RemoteEnded.Any(e => e.Id == oldest.Id && e.Reason == SessionEndReason.Evicted), "b heard the eviction");
        await Wait.UntilAsync(() => a.Cluster.ClaimCount == 0, "a dropped its claim");
    }

    [Fact]
    public async Task An_eviction_the_owner_missed_on_the_channel_ends_its_copy_at_its_next_heartbeat()
    {
        string p = Prefix.New();
        Action<RedisSessionOptions> capped = o => { o.MaxSessionsPerCluster = 1; o.WhenClusterFull = ClusterOverflowPolicy.EvictOldest; o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); };
        await using var a = await Node.StartAsync(_server.Redis, p, "a", capped);
        await using var b = await Node.StartAsync(_server.Redis, p, "b", capped);
        var evicted = await a.Cluster.OpenAsync(SessionId.New());

        // a hears nothing on the channel: only its moved list tells it.
        await _server.Redis.GetSubscriber().UnsubscribeAllAsync();
        await b.Cluster.OpenAsync(SessionId.New());
        Assert.True(evicted.IsActive);

        await a.Cluster.HeartbeatAsync();
        await Wait.UntilAsync(() => evicted.IsEnded, "a ended the evicted copy");
        Assert.Equal(SessionEndReason.Evicted, evicted.EndReason);
    }

    [Fact]
    public async Task Many_threads_on_two_nodes_never_open_more_than_the_cap()
    {
        const int Cap = 50;
        string p = Prefix.New();
        Action<RedisSessionOptions> capped = o => o.MaxSessionsPerCluster = Cap;
        await using var a = await Node.StartAsync(_server.Redis, p, "a", capped);
        await using var b = await Node.StartAsync(_server.Redis, p, "b", capped);

        async Task<bool> TryOpen(Node node)
        {
            await Task.Yield();
            try
            {
                await node.Cluster.OpenAsync(SessionId.New());
                return true;
            }
            catch (SessionLimitExceededException)
            {
                return false;
            }
        }

        var opened = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(() => TryOpen(i % 2 == 0 ? a : b))));

        Assert.Equal(Cap, opened.Count(o => o));
        Assert.Equal(Cap, a.Cluster.ClaimCount + b.Cluster.ClaimCount);
        Assert.Equal(Cap, await Db.SortedSetLengthAsync("{" + p + "}:all"));
        Assert.Equal(Cap, (await _server.KeysAsync(p)).Count(k => k.StartsWith("{" + p + "}:s:", StringComparison.Ordinal)));
    }
}
