using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

/// <summary>Nodes in processes of their own: a crash is a real SIGKILL, a partition a real SIGSTOP.</summary>
[Collection(RedisCollection.Name)]
public class ProcessNodeTests
{
    private static readonly TimeSpan Beat = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Lapse = TimeSpan.FromMilliseconds(1000);

    private readonly RedisServer _server;

    public ProcessNodeTests(RedisServer server) => _server = server;

    private IDatabase Db => _server.Redis.GetDatabase();

    [Fact]
    public async Task A_node_killed_with_1000_sessions_is_reclaimed_by_the_next_sweep_after_its_heartbeat_lapses_keys_and_all()
    {
        const int Sessions = 1000;
        string p = Prefix.New();
        var announced = new ConcurrentDictionary<string, int>();
        var subscriber = _server.Redis.GetSubscriber();
        var channel = RedisChannel.Literal("{" + p + "}:events");
        await subscriber.SubscribeAsync(channel, (_, message) =>
        {
            string text = message!;
            if (text.StartsWith("ended|", StringComparison.Ordinal))
            {
                announced.AddOrUpdate(text.Split('|', 5)[4], 1, (_, n) => n + 1);
            }
        });

        // b sweeps only when told to, so "the next sweep" is one call.
        await using var b = await Node.StartAsync(_server.Redis, p, "b", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); });
        var (a, _) = await NodeProcess.StartAsync(_server, p, "a", Sessions, Beat, Lapse);
        await using (a)
        {
            var ids = Enumerable.Range(0, Sessions).Select(i => "a/" + i).ToArray();
            Assert.Equal(Sessions, await Db.SetLengthAsync("{" + p + "}:set:a"));
            Assert.All(await Task.WhenAll(ids.Select(id => Db.KeyExistsAsync("{" + p + "}:owned:" + id))), Assert.True);

            await a.KillAsync();
            await Wait.UntilAsync(async () => !await Db.KeyExistsAsync("{" + p + "}:hb:a"), "a's heartbeat lapsed");

            Assert.Equal(Sessions, await b.Cluster.HeartbeatAsync());
            Assert.Equal(0, await b.Cluster.HeartbeatAsync());

            Assert.All(await Task.WhenAll(ids.Select(id => Db.KeyExistsAsync("{" + p + "}:owned:" + id))), Assert.False);
            await Wait.UntilAsync(() => announced.Count == Sessions && b.RemoteEnded.Count == Sessions, "every end was announced");
            Assert.All(ids, id => Assert.Equal(1, announced[id]));
            Assert.All(b.RemoteEnded, e => Assert.Equal((SessionEndReason.NodeLost, "a"), (e.Reason, e.Node)));
            Assert.Equal(new[] { "{" + p + "}:epoch", "{" + p + "}:fence", "{" + p + "}:hb:b", "{" + p + "}:nodes" }.Order(StringComparer.Ordinal), await _server.KeysAsync(p));
        }

        await subscriber.UnsubscribeAsync(channel);
    }

    [Fact]
    public async Task A_node_frozen_past_its_timeout_ends_its_reclaimed_copies_when_it_runs_again_and_never_fences_below_the_new_owner()
    {
        const int Sessions = 200;
        string p = Prefix.New();
        await using var b = await Node.StartAsync(_server.Redis, p, "b", o => { o.HeartbeatInterval = TimeSpan.FromMinutes(1); o.NodeTimeout = TimeSpan.FromMinutes(5); });
        var (a, before) = await NodeProcess.StartAsync(_server, p, "a", Sessions, Beat, Lapse);
        await using (a)
        {
            a.Freeze();
            await Wait.UntilAsync(async () => !await Db.KeyExistsAsync("{" + p + "}:hb:a"), "a's heartbeat lapsed");
            Assert.Equal(Sessions, await b.Cluster.HeartbeatAsync());
            var taken = await b.Cluster.OpenAsync(SessionId.Parse("a/0"));
            Assert.True(b.Cluster.TryGetFence(taken.Id, out long successor));
            Assert.True(successor > before);

            a.Thaw();
            var ends = new string[Sessions];
            for (int i = 0; i < Sessions; i++)
            {
                ends[i] = await a.NextEndAsync();
            }

            Assert.Equal(Enumerable.Range(0, Sessions).Select(i => $"a/{i} NodeLost").Order(StringComparer.Ordinal), ends.Order(StringComparer.Ordinal));
            Assert.Equal("fences", await a.AskAsync("fences", "fences"));

            // What a writes from now on carries a fencing number above the one b holds.
            string opened = await a.AskAsync("open a/new", "opened");
            Assert.True(long.Parse(opened.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) > successor);
            Assert.True(taken.IsActive, "b's copy is the live one");
            Assert.Equal("b", (string?)await Db.HashGetAsync("{" + p + "}:s:a/0", "node"));
            Assert.False(await Db.KeyExistsAsync("{" + p + "}:owned:a/1"));
        }
    }
}
