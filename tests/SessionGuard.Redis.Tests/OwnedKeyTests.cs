using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

/// <summary>Keys in Redis a session owns: deleted wherever and however the session ends, never left behind.</summary>
[Collection(RedisCollection.Name)]
public class OwnedKeyTests
{
    private readonly RedisServer _server;

    public OwnedKeyTests(RedisServer server) => _server = server;

    private IDatabase Db => _server.Redis.GetDatabase();

    [Fact]
    public async Task A_key_a_session_owns_is_deleted_when_the_session_ends_and_nothing_else_is_left()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        var session = await a.Cluster.OpenAsync(SessionId.New());
        string key = "{" + p + "}:user:transcript:" + session.Id.Value;
        string other = "{" + p + "}:user:glossary";
        await Db.StringSetAsync(key, "hello");
        await Db.StringSetAsync(other, "shared");

        await session.OwnRedisKeyAsync(key);
        await session.OwnRedisKeyAsync(key); // twice is harmless
        Assert.True(await Db.KeyExistsAsync(key));

        await session.EndAsync();

        Assert.False(await Db.KeyExistsAsync(key));
        Assert.Equal(
            new[] { "{" + p + "}:epoch", "{" + p + "}:fence", "{" + p + "}:hb:a", "{" + p + "}:nodes", other }.Order(StringComparer.Ordinal),
            await _server.KeysAsync(p));
    }

    [Fact]
    public async Task A_key_survives_a_takeover_and_is_deleted_when_the_session_ends_on_the_new_node()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        await using var b = await Node.StartAsync(_server.Redis, p, "b");
        var id = SessionId.New();
        var onA = await a.Cluster.OpenAsync(id);
        string key = "{" + p + "}:user:" + id.Value;
        await Db.StringSetAsync(key, "state");
        await a.Cluster.OwnRedisKeyAsync(onA, key);

        var onB = await b.Cluster.OpenAsync(id);
        await Wait.UntilAsync(() => onA.IsEnded, "a ended its copy");
        Assert.Equal(SessionEndReason.MovedToAnotherNode, onA.EndReason);
        Assert.True(await Db.KeyExistsAsync(key), "the session lives on at b, and so does its key");

        await onB.EndAsync();
        Assert.False(await Db.KeyExistsAsync(key));
    }

    [Fact]
    public async Task A_lost_nodes_sessions_are_reclaimed_with_every_key_they_own()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a", o => { o.HeartbeatInterval = TimeSpan.FromMilliseconds(100); o.NodeTimeout = TimeSpan.FromMilliseconds(300); }, new FakeTimeProvider());
        await using var b = await Node.StartAsync(_server.Redis, p, "b", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); });
        var sessions = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => a.Cluster.OpenAsync(SessionId.New())));
        var keys = sessions.SelectMany(s => new[] { "{" + p + "}:u1:" + s.Id.Value, "{" + p + "}:u2:" + s.Id.Value }.Select(k => (s, k))).ToList();
        await Task.WhenAll(keys.Select(x => Db.StringSetAsync(x.k, "v")));
        await Task.WhenAll(keys.Select(x => x.s.OwnRedisKeyAsync(x.k)));

        await Wait.UntilAsync(async () => !await Db.KeyExistsAsync("{" + p + "}:hb:a"), "a's heartbeat lapsed");
        Assert.Equal(sessions.Length, await b.Cluster.HeartbeatAsync());

        foreach (var (_, k) in keys)
        {
            Assert.False(await Db.KeyExistsAsync(k), k + " was reclaimed with its session");
        }

        Assert.Equal(new[] { "{" + p + "}:epoch", "{" + p + "}:fence", "{" + p + "}:hb:b", "{" + p + "}:nodes" }.Order(StringComparer.Ordinal), await _server.KeysAsync(p));
    }

    [Fact]
    public async Task Giving_a_key_to_an_ended_session_deletes_the_key_and_throws()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        var session = await a.Cluster.OpenAsync(SessionId.New());
        await session.EndAsync();
        string key = "{" + p + "}:late";
        await Db.StringSetAsync(key, "v");

        var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => session.OwnRedisKeyAsync(key));
        Assert.Contains(session.Id.Value, ex.Message, StringComparison.Ordinal);
        Assert.False(await Db.KeyExistsAsync(key));
    }

    [Fact]
    public async Task Giving_a_key_to_a_session_whose_record_is_gone_deletes_the_key_and_throws()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        var session = await a.Cluster.OpenAsync(SessionId.New());
        await Db.KeyDeleteAsync("{" + p + "}:s:" + session.Id.Value); // as after a reclaim this node has not heard of yet
        string key = "{" + p + "}:late";
        await Db.StringSetAsync(key, "v");

        await Assert.ThrowsAsync<ObjectDisposedException>(() => session.OwnRedisKeyAsync(key));
        Assert.False(await Db.KeyExistsAsync(key));
        Assert.False(await Db.KeyExistsAsync("{" + p + "}:k:" + session.Id.Value));
    }

    [Theory]
    [InlineData("b", false)] // another node took the session over; every notice of it was lost
    [InlineData("a", true)] // another process under this node's name (a restart) claimed it again, with a newer fence
    public async Task A_copy_that_was_taken_over_gives_no_key_and_leaves_the_new_owners_key_as_it_is(string owner, bool newerFence)
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        var session = await a.Cluster.OpenAsync(SessionId.New());
        Assert.True(a.Cluster.TryGetFence(session.Id, out long fence));
        long ownerFence = newerFence ? fence + 1 : fence;
        string record = "{" + p + "}:s:" + session.Id.Value;
        await Db.HashSetAsync(record, new HashEntry[] { new("node", owner), new("fence", ownerFence), new("token", "other") });
        string key = "{" + p + "}:user:" + session.Id.Value;
        await Db.StringSetAsync(key, "the new owner's");

        var ex = await Assert.ThrowsAsync<SessionOwnedElsewhereException>(() => session.OwnRedisKeyAsync(key));

        Assert.Equal((owner, ownerFence), (ex.OwnerNode, ex.OwnerFence));
        Assert.Contains(session.Id.Value, ex.Message, StringComparison.Ordinal);
        Assert.Equal("the new owner's", (string?)await Db.StringGetAsync(key));
        Assert.False(await Db.KeyExistsAsync("{" + p + "}:k:" + session.Id.Value), "the stale copy attached nothing");
        Assert.Equal(SessionEndReason.MovedToAnotherNode, (await session.EndAsync()).Reason);
        Assert.Equal(owner, (string?)await Db.HashGetAsync(record, "node"));
    }

    [Fact]
    public async Task Giving_a_key_to_a_session_the_cluster_did_not_open_or_an_empty_key_is_refused_by_name()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        await using var b = await Node.StartAsync(_server.Redis, p, "b");
        var local = a.Registry.Open(SessionId.New());
        var onA = await a.Cluster.OpenAsync(SessionId.New());

        var notClustered = await Assert.ThrowsAsync<ArgumentException>(() => local.OwnRedisKeyAsync("{" + p + "}:x"));
        Assert.Contains("not opened through a RedisSessionCluster", notClustered.Message, StringComparison.Ordinal);
        var otherNode = await Assert.ThrowsAsync<ArgumentException>(() => b.Cluster.OwnRedisKeyAsync(onA, "{" + p + "}:x"));
        Assert.Contains("node 'b'", otherNode.Message, StringComparison.Ordinal);
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => onA.OwnRedisKeyAsync(""));
        Assert.Equal("key", empty.ParamName);
        Assert.True(onA.IsActive);
    }
}
