using System;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

/// <summary>Restarts, lost counters, stalls and retried starts: what a cluster meets after the happy path.</summary>
[Collection(RedisCollection.Name)]
public class RecoveryTests
{
    private readonly RedisServer _server;

    public RecoveryTests(RedisServer server) => _server = server;

    private IDatabase Db => _server.Redis.GetDatabase();

    [Fact]
    public async Task A_node_name_that_ends_like_another_nodes_key_does_not_share_its_keys()
    {
        string p = Prefix.New();
        await using var x = await Node.StartAsync(_server.Redis, p, "x");
        var onX = await x.Cluster.OpenAsync(SessionId.New());

        // "x:s" once named the key that held x's sessions.
        await using var xs = await Node.StartAsync(_server.Redis, p, "x:s");
        var onXs = await xs.Cluster.OpenAsync(SessionId.New());

        Assert.Equal("x", (string?)await Db.HashGetAsync("{" + p + "}:s:" + onX.Id.Value, "node"));
        Assert.Equal("x:s", (string?)await Db.HashGetAsync("{" + p + "}:s:" + onXs.Id.Value, "node"));
        Assert.Equal(new RedisValue[] { onX.Id.Value }, await Db.SetMembersAsync("{" + p + "}:set:x"));
        Assert.Equal(new RedisValue[] { onXs.Id.Value }, await Db.SetMembersAsync("{" + p + "}:set:x:s"));
        Assert.Equal(0, await x.Cluster.HeartbeatAsync());
        Assert.Equal(0, await xs.Cluster.HeartbeatAsync());
        Assert.True(onX.IsActive && onXs.IsActive);
    }

    [Fact]
    public async Task A_process_restarted_under_the_same_node_name_reclaims_what_its_earlier_process_left()
    {
        string p = Prefix.New();
        await using var observer = await Node.StartAsync(_server.Redis, p, "observer");

        // The earlier process: three sessions, then it is gone (its heartbeat key is still alive, as after a fast restart).
        var earlier = await Node.StartAsync(_server.Redis, p, "gw-1", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); });
        var left = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => earlier.Cluster.OpenAsync(SessionId.New())));
        Assert.True(await Db.KeyExistsAsync("{" + p + "}:hb:gw-1"));

        await using var restarted = await Node.StartAsync(_server.Redis, p, "gw-1");

        foreach (var session in left)
        {
            Assert.False(await Db.KeyExistsAsync("{" + p + "}:s:" + session.Id.Value), "the earlier process's owner record is gone");
        }

        Assert.False(await Db.KeyExistsAsync("{" + p + "}:set:gw-1"));
        await Wait.UntilAsync(() => observer.RemoteEnded.Count == left.Length, "the other nodes heard the earlier sessions ended");
        Assert.All(observer.RemoteEnded, e => Assert.Equal((SessionEndReason.NodeLost, "gw-1"), (e.Reason, e.Node)));
        Assert.Equal(left.Select(s => s.Id.Value).Order(StringComparer.Ordinal), observer.RemoteEnded.Select(e => e.Id.Value).Order(StringComparer.Ordinal));

        // The restarted process owns what it opens from now on, and another node may take a reclaimed id at once.
        var reopened = await observer.Cluster.OpenAsync(left[0].Id);
        Assert.True(reopened.IsActive);
        var fresh = await restarted.Cluster.OpenAsync(SessionId.New());
        Assert.Equal("gw-1", (string?)await Db.HashGetAsync("{" + p + "}:s:" + fresh.Id.Value, "node"));
        Assert.Equal(0, await restarted.Cluster.HeartbeatAsync());
        Assert.True(fresh.IsActive);

        // The stand-in for the dead process heard its sessions reclaimed, as a live one would.
        await Wait.UntilAsync(() => left.All(s => s.EndReason == SessionEndReason.NodeLost), "the earlier copies ended");
        await earlier.DisposeAsync();
    }

    [Fact]
    public async Task Fencing_numbers_keep_growing_after_Redis_lost_the_counter()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a");
        var first = await a.Cluster.OpenAsync(SessionId.New());
        Assert.True(a.Cluster.TryGetFence(first.Id, out long before));
        await first.EndAsync();

        // What a Redis restart without persistence does to the counter.
        await Db.KeyDeleteAsync("{" + p + "}:fence");

        var second = await a.Cluster.OpenAsync(SessionId.New());
        Assert.True(a.Cluster.TryGetFence(second.Id, out long after));
        Assert.True(after > before, $"fence {after} after the counter was lost, {before} before");
        Assert.Equal(after, (long)await Db.HashGetAsync("{" + p + "}:s:" + second.Id.Value, "fence"));
    }

    [Fact]
    public async Task A_node_that_went_longer_than_NodeTimeout_between_renewals_checks_its_copies_even_if_Redis_says_it_was_alive()
    {
        string p = Prefix.New();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await Node.StartAsync(_server.Redis, p, "a", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); }, time);
        var kept = await a.Cluster.OpenAsync(SessionId.New());
        var lost = await a.Cluster.OpenAsync(SessionId.New());

        // Another node claimed one of a's sessions while a was away, and every notice of it was lost; a renewal that ran
        // late (after its caller gave up) already took the "lapsed" answer, so Redis now says a's heartbeat is alive.
        await Db.HashSetAsync("{" + p + "}:s:" + lost.Id.Value, new HashEntry[] { new("node", "c"), new("fence", long.MaxValue / 2) });
        time.Advance(TimeSpan.FromMinutes(6));

        await a.Cluster.HeartbeatAsync();

        await Wait.UntilAsync(() => lost.IsEnded, "a ended the copy it no longer owns");
        Assert.Equal(SessionEndReason.NodeLost, lost.EndReason);
        Assert.True(kept.IsActive);
    }

    [Fact]
    public async Task Every_end_queued_during_an_outage_is_written_by_the_first_pass_that_reaches_Redis()
    {
        const int Sessions = 2000;
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); }, registryOptions: new SessionRegistryOptions { MaxSessions = Sessions });
        var sessions = await Task.WhenAll(Enumerable.Range(0, Sessions).Select(_ => a.Cluster.OpenAsync(SessionId.New())));

        await using (await Pause.WritesAsync(_server))
        {
            await Task.WhenAll(sessions.Select(s => s.EndAsync()));
            Assert.Equal(Sessions, a.Cluster.PendingEnds);
        }

        // One heartbeat: its upkeep writes them batch after batch, not one batch per heartbeat.
        await a.Cluster.HeartbeatAsync();

        Assert.Equal(0, a.Cluster.PendingEnds);
        Assert.False(a.Cluster.IsDegraded);
        var left = await Task.WhenAll(sessions.Select(s => Db.KeyExistsAsync("{" + p + "}:s:" + s.Id.Value)));
        Assert.DoesNotContain(true, left);
        Assert.Equal(0, await Db.SetLengthAsync("{" + p + "}:set:a"));
    }

    [Fact]
    public async Task An_end_while_Redis_stalls_does_not_fail_the_sessions_teardown()
    {
        string p = Prefix.New();

        // OperationTimeout longer than the registry's OwnerReleaseTimeout (2 s, the default).
        await using var a = await Node.StartAsync(_server.Redis, p, "a", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); o.OperationTimeout = TimeSpan.FromSeconds(3); });
        var session = await a.Cluster.OpenAsync(SessionId.New());

        SessionTeardownReport report;
        await using (await Pause.WritesAsync(_server))
        {
            report = await session.EndAsync();
            Assert.Equal(1, a.Cluster.PendingEnds);
        }

        Assert.Empty(report.Failures);
        await a.Cluster.HeartbeatAsync();
        Assert.Equal(0, a.Cluster.PendingEnds);
        Assert.False(await Db.KeyExistsAsync("{" + p + "}:s:" + session.Id.Value));
    }

    [Fact]
    public async Task Callers_sharing_a_failed_open_get_its_failure_instead_of_each_claiming_again()
    {
        string p = Prefix.New();
        await using var a = await Node.StartAsync(_server.Redis, p, "a", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); o.OperationTimeout = TimeSpan.FromMilliseconds(300); });
        var id = SessionId.New();

        RedisSessionUnavailableException[] failures;
        await using (await Pause.WritesAsync(_server))
        {
            var opens = Enumerable.Range(0, 4).Select(_ => a.Cluster.GetOrOpenAsync(id)).ToArray();
            failures = new RedisSessionUnavailableException[opens.Length];
            for (int i = 0; i < opens.Length; i++)
            {
                failures[i] = await Assert.ThrowsAsync<RedisSessionUnavailableException>(() => opens[i]);
            }
        }

        // One claim was tried, and its failure is every caller's.
        Assert.All(failures, f => Assert.Same(failures[0], f));
        Assert.False(a.Registry.IsActive(id));
        Assert.Equal(0, a.Cluster.ClaimCount);
    }
}
