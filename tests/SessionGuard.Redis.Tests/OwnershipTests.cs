using System;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

[Collection(RedisCollection.Name)]
public class OwnershipTests
{
    private readonly RedisServer _server;

    public OwnershipTests(RedisServer server) => _server = server;

    private IDatabase Db => _server.Redis.GetDatabase();

    [Fact]
    public async Task Opening_claims_the_session_with_a_fencing_number_that_grows_with_every_claim()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        var id = SessionId.New();

        var first = await a.Cluster.OpenAsync(id);
        Assert.True(a.Cluster.TryGetFence(id, out long fence1));
        Assert.Equal("a", (string?)await Db.HashGetAsync("{" + p + "}:s:" + id.Value, "node"));
        Assert.Equal(fence1, (long)await Db.HashGetAsync("{" + p + "}:s:" + id.Value, "fence"));
        Assert.True(await Db.SetContainsAsync("{" + p + "}:set:a", id.Value));

        await first.EndAsync();
        Assert.False(a.Cluster.TryGetFence(id, out _));
        await a.Cluster.OpenAsync(id);
        Assert.True(a.Cluster.TryGetFence(id, out long fence2));
        Assert.True(fence2 > fence1, $"{fence2} > {fence1}");
        Assert.True(a.Registry.IsActive(id));
    }

    [Fact]
    public async Task Ending_removes_the_claim_and_announces_it_to_the_other_nodes_and_their_remote_owners()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        await using var b = await Node.StartAsync(_server.Redis, p, "b");
        var cache = new RemoteCache();
        using var registration = b.Cluster.RegisterRemote(cache);
        var id = SessionId.New();
        var session = await a.Cluster.OpenAsync(id);
        Assert.True(a.Cluster.TryGetFence(id, out long fence));
        cache.Entries[id] = "held on b for a's session";

        var report = await session.EndAsync();

        Assert.Equal(SessionEndReason.Closed, report.Reason);
        Assert.False(await Db.KeyExistsAsync("{" + p + "}:s:" + id.Value));
        Assert.False(await Db.SetContainsAsync("{" + p + "}:set:a", id.Value));
        await Wait.UntilAsync(() => cache.Entries.IsEmpty, "b's remote owner released the session");
        var announced = Assert.Single(b.RemoteEnded);
        Assert.Equal((id, "a", fence, SessionEndReason.Closed), (announced.Id, announced.Node, announced.Fence, announced.Reason));
        Assert.Empty(a.RemoteEnded); // a node is not told about its own ends
        Assert.Equal(0, a.Cluster.ClaimCount);
    }

    [Fact]
    public async Task A_node_that_took_a_session_over_releases_its_remote_state_for_it_when_the_session_ends_there()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        await using var b = await Node.StartAsync(_server.Redis, p, "b");
        var cache = new RemoteCache();
        using var registration = a.Cluster.RegisterRemote(cache);
        var id = SessionId.New();
        var onB = await b.Cluster.OpenAsync(id);
        cache.Entries[id] = "held on a for b's session";

        var onA = await a.Cluster.OpenAsync(id);
        await Wait.UntilAsync(() => onB.IsEnded, "b ended its copy");
        Assert.True(cache.Entries.ContainsKey(id)); // not released while a holds the session

        await onA.EndAsync();

        Assert.Empty(cache.Entries);
        Assert.Empty(a.RemoteEnded);
    }

    [Fact]
    public async Task Opening_an_id_another_live_node_owns_takes_it_over_and_that_node_ends_its_copy()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        await using var b = await Node.StartAsync(_server.Redis, p, "b");
        var id = SessionId.New();
        var onA = await a.Cluster.OpenAsync(id);
        var resource = onA.Own(new Resource());
        Assert.True(a.Cluster.TryGetFence(id, out long fenceA));

        var onB = await b.Cluster.OpenAsync(id);

        // The report reaches SessionEnded handlers after the session is marked ended: wait for the report itself.
        await Wait.UntilAsync(() => !a.Ended.IsEmpty, "a ended its copy");
        var report = Assert.Single(a.Ended);
        Assert.Equal(SessionEndReason.MovedToAnotherNode, report.Reason);
        Assert.True(resource.Disposed);
        Assert.Equal(SessionEndReason.MovedToAnotherNode, onA.EndReason);
        Assert.True(onB.IsActive);
        Assert.True(b.Cluster.TryGetFence(id, out long fenceB));
        Assert.True(fenceB > fenceA);
        Assert.False(a.Cluster.TryGetFence(id, out _));

        // a's end did not touch b's claim, and nothing was announced ended: the session lives on, on b.
        Assert.Equal("b", (string?)await Db.HashGetAsync("{" + p + "}:s:" + id.Value, "node"));
        Assert.Equal(fenceB, (long)await Db.HashGetAsync("{" + p + "}:s:" + id.Value, "fence"));
        Assert.False(await Db.SetContainsAsync("{" + p + "}:set:a", id.Value));
        Assert.True(await Db.SetContainsAsync("{" + p + "}:set:b", id.Value));
        await Wait.UntilAsync(() => a.Cluster.ClaimCount == 0, "a dropped its claim");
        Assert.Empty(b.RemoteEnded);
    }

    [Fact]
    public async Task In_refuse_mode_opening_an_id_another_live_node_owns_fails_and_opens_nothing()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        await using var b = await Node.StartAsync(_server.Redis, p, "b", o => o.WhenOwnedElsewhere = RemoteOwnerPolicy.Refuse);
        var id = SessionId.New();
        var onA = await a.Cluster.OpenAsync(id);
        Assert.True(a.Cluster.TryGetFence(id, out long fenceA));

        var refused = await Assert.ThrowsAsync<SessionOwnedElsewhereException>(() => b.Cluster.GetOrOpenAsync(id));

        Assert.Equal((id, "a", fenceA), (refused.Id, refused.OwnerNode, refused.OwnerFence));
        Assert.Contains("WhenOwnedElsewhere", refused.Message);
        Assert.True(onA.IsActive);
        Assert.False(b.Registry.IsActive(id));
        Assert.Equal(0, b.Cluster.ClaimCount);
        Assert.Equal("a", (string?)await Db.HashGetAsync("{" + p + "}:s:" + id.Value, "node"));

        // Once a ends it, b may open it.
        await onA.EndAsync();
        var onB = await b.Cluster.OpenAsync(id);
        Assert.True(onB.IsActive);
    }

    [Fact]
    public async Task Concurrent_opens_of_one_id_on_one_node_share_one_claim_and_one_session()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        var id = SessionId.New();
        var sessions = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => a.Cluster.GetOrOpenAsync(id))));
        Assert.All(sessions, s => Assert.Same(sessions[0], s));
        Assert.Equal(1, a.Registry.ActiveCount);
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.Cluster.OpenAsync(id));
    }

    [Fact]
    public async Task A_node_that_leaves_ends_its_sessions_and_leaves_nothing_in_Redis()
    {
        string p = Prefix.New();
        var a = await Node.StartAsync(_server.Redis, p, "a");
        await using var b = await Node.StartAsync(_server.Redis, p, "b");
        var ids = Enumerable.Range(0, 20).Select(_ => SessionId.New()).ToList();
        var sessions = await Task.WhenAll(ids.Select(id => a.Cluster.OpenAsync(id)));

        await a.DisposeAsync();

        Assert.All(sessions, s => Assert.Equal(SessionEndReason.Shutdown, s.EndReason));
        await Wait.UntilAsync(() => b.RemoteEnded.Count == ids.Count, "b heard every end");
        Assert.Equal(ids.OrderBy(i => i.Value), b.RemoteEnded.Select(e => e.Id).OrderBy(i => i.Value));
        Assert.Equal(new[] { "{" + p + "}:epoch", "{" + p + "}:fence", "{" + p + "}:hb:b", "{" + p + "}:nodes" }, await _server.KeysAsync(p));
        Assert.True(a.Registry.CheckResiduals().IsClean);
    }
}
