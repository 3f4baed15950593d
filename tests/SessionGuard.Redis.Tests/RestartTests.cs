using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

/// <summary>
/// A Redis restart without persistence: every key is lost while the nodes hold their sessions. On a server of its own (it
/// is restarted), in the shared collection so that its load does not run beside the other tests' timeouts.
/// </summary>
[Collection(RedisCollection.Name)]
public class RestartTests
{
    [Fact]
    public async Task After_Redis_restarts_empty_three_nodes_claim_their_10002_sessions_again_each_owned_once()
    {
        const int PerNode = 3334;
        var server = new RedisServer();
        await server.InitializeAsync();
        var nodes = new List<Node>();
        try
        {
            string p = Prefix.New();
            Action<RedisSessionOptions> fast = o => { o.HeartbeatInterval = TimeSpan.FromMilliseconds(100); o.NodeTimeout = TimeSpan.FromSeconds(1); };
            var sessions = new Dictionary<Node, Session[]>();
            foreach (string name in new[] { "a", "b", "c" })
            {
                var node = await Node.StartAsync(server.Redis, p, name, fast, registryOptions: new SessionRegistryOptions { MaxSessions = PerNode * 2 });
                nodes.Add(node);
                var opened = new List<Session>();
                foreach (var batch in Enumerable.Range(0, PerNode).Chunk(500))
                {
                    opened.AddRange(await Task.WhenAll(batch.Select(i => node.Cluster.OpenAsync(SessionId.Parse($"{name}/{i}")))));
                }

                sessions[node] = opened.ToArray();
            }

            var db = server.Redis.GetDatabase();
            Assert.Equal(3 * PerNode, await db.SortedSetLengthAsync("{" + p + "}:all"));

            string epoch = (string)(await db.StringGetAsync("{" + p + "}:epoch"))!;
            long before = nodes.SelectMany(n => sessions[n].Select(s => n.Cluster.TryGetFence(s.Id, out long f) ? f : long.MaxValue)).Max();
            await server.RestartAsync();

            // Every node's next heartbeats find the data lost and claim their sessions again, with new fencing numbers.
            // A fencing number below one handed out before the loss would let a stale writer win.
            await Wait.UntilAsync(() => nodes.All(n => sessions[n].All(s => n.Cluster.TryGetFence(s.Id, out long f) && f > before)), "every node claimed its sessions again");

            Assert.NotEqual(epoch, (string?)await db.StringGetAsync("{" + p + "}:epoch"));
            Assert.All(nodes, n => Assert.All(sessions[n], s => Assert.True(s.IsActive)));
            Assert.Equal(3 * PerNode, await db.SortedSetLengthAsync("{" + p + "}:all"));
            Assert.Equal(3 * PerNode, (int)await db.ScriptEvaluateAsync("return #redis.call('KEYS', ARGV[1])", null, new RedisValue[] { "{" + p + "}:s:*" }));
            foreach (var node in nodes)
            {
                string name = node.Cluster.NodeId;
                var owners = await Task.WhenAll(sessions[node].Select(s => db.HashGetAsync("{" + p + "}:s:" + s.Id.Value, "node")));
                Assert.All(owners, owner => Assert.Equal(name, (string?)owner));
                Assert.Equal(PerNode, await db.SetLengthAsync("{" + p + "}:set:" + name));
            }

            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            nodes.Clear();
            Assert.Equal(new[] { "{" + p + "}:epoch", "{" + p + "}:fence" }, await server.KeysAsync(p));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            await server.DisposeAsync();
        }
    }
}
