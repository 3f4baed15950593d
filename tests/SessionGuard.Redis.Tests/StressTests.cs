using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

[Collection(RedisCollection.Name)]
public class StressTests
{
    private readonly RedisServer _server;

    public StressTests(RedisServer server) => _server = server;

    [Fact]
    public async Task Two_nodes_opening_ending_and_taking_over_the_same_ids_on_many_threads_stay_consistent_and_leave_nothing()
    {
        string p = Prefix.New();
        var a = await Node.StartAsync(_server.Redis, p, "a");
        var b = await Node.StartAsync(_server.Redis, p, "b");
        var nodes = new[] { a, b };
        var ids = Enumerable.Range(0, 24).Select(_ => SessionId.New()).ToArray();
        int opened = 0, ended = 0, expected = 0;

        async Task Worker(Node node, int seed)
        {
            var random = new Random(seed);
            for (int i = 0; i < 250; i++)
            {
                var id = ids[random.Next(ids.Length)];
                try
                {
                    if (random.Next(3) == 0)
                    {
                        if (await node.Registry.EndAsync(id) is not null)
                        {
                            Interlocked.Increment(ref ended);
                        }
                    }
                    else
                    {
                        var session = await node.Cluster.GetOrOpenAsync(id);
                        Interlocked.Increment(ref opened);
                        if (random.Next(4) == 0)
                        {
                            session.Touch();
                        }
                    }
                }
                catch (InvalidOperationException ex) when (ex is not ObjectDisposedException and not SessionOwnedElsewhereException)
                {
                    // Still ending here: the caller would retry. Nothing else is an expected failure.
                    Assert.Contains("still ending", ex.Message, StringComparison.Ordinal);
                    Interlocked.Increment(ref expected);
                }
            }
        }

        var workers = new List<Task>();
        for (int t = 0; t < 4; t++)
        {
            foreach (var (node, n) in nodes.Select((node, n) => (node, n)))
            {
                int seed = t * 10 + n;
                workers.Add(Task.Run(() => Worker(node, seed)));
            }
        }

        await Task.WhenAll(workers);
        Assert.True(opened > 0 && ended > 0, $"opened {opened}, ended {ended}");
        Assert.True(expected < opened, $"{expected} opens found their id still ending, against {opened} that opened");

        // Every takeover notice arrives (pub/sub, or the moved list at the next heartbeat): then each id is either free,
        // or open on exactly one node whose claim is the owner record.
        var db = _server.Redis.GetDatabase();
        await Wait.UntilAsync(async () =>
        {
            foreach (var id in ids)
            {
                var record = await db.HashGetAsync("{" + p + "}:s:" + id.Value, new RedisValue[] { "node", "fence" });
                var holders = nodes.Where(n => n.Registry.IsActive(id)).ToList();
                if (record[0].IsNull)
                {
                    if (holders.Count != 0)
                    {
                        return false;
                    }

                    continue;
                }

                if (holders.Count != 1 || holders[0].Cluster.NodeId != (string?)record[0]
                    || !holders[0].Cluster.TryGetFence(id, out long fence) || fence != (long)record[1]
                    || !await db.SetContainsAsync("{" + p + "}:set:" + holders[0].Cluster.NodeId, id.Value))
                {
                    return false;
                }
            }

            return true;
        }, "every id free or owned by exactly the node that holds it");

        // No node lists a session it does not own.
        foreach (var node in nodes)
        {
            foreach (var member in await db.SetMembersAsync("{" + p + "}:set:" + node.Cluster.NodeId))
            {
                Assert.Equal(node.Cluster.NodeId, (string?)await db.HashGetAsync("{" + p + "}:s:" + member, "node"));
            }
        }

        await a.DisposeAsync();
        await b.DisposeAsync();
        Assert.Equal(new[] { "{" + p + "}:epoch", "{" + p + "}:fence" }, await _server.KeysAsync(p));
        Assert.All(nodes, n => Assert.Equal(0, n.Registry.ActiveCount));
        Assert.All(nodes, n => Assert.Equal(0, n.Cluster.ClaimCount));
        Assert.All(nodes, n => Assert.Equal(0, n.Cluster.PendingEnds));
    }
}
