using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace SessionGuard.Redis.Tests;

/// <summary>
/// Three node processes open and end 3 × 10 000 sessions on a seeded random schedule, taking over each other's sessions,
/// while one node is killed with SIGKILL and restarted under its name; then nothing may be left anywhere.
/// </summary>
[Collection(RedisCollection.Name)]
public class SoakTests
{
    private const int Seed = 19;
    private const int PerNode = 10_000;
    private const int Chunk = PerNode / 2;

    // Generous against a loaded 2-core machine: a lapse or a timed-out script would still have to leave nothing, but the
    // soak is about the schedule, not about false lapses.
    private static readonly TimeSpan Beat = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Lapse = TimeSpan.FromSeconds(10);
    private static readonly string[] NodeOptions = { "quiet", "operationTimeoutMs=4000" };

    private readonly RedisServer _server;
    private readonly ITestOutputHelper _output;

    public SoakTests(RedisServer server, ITestOutputHelper output) => (_server, _output) = (server, output);

    [Fact]
    public async Task Three_nodes_opening_and_ending_10000_sessions_each_with_takeovers_and_a_node_killed_and_restarted_leave_no_record_key_or_residual()
    {
        string p = Prefix.New();
        var elapsed = Stopwatch.StartNew();
        var announced = new ConcurrentDictionary<string, int>();
        var subscriber = _server.Redis.GetSubscriber();
        var channel = RedisChannel.Literal("{" + p + "}:events");
        await subscriber.SubscribeAsync(channel, (_, message) =>
        {
            string text = message!;
            string kind = text.StartsWith("ended|", StringComparison.Ordinal) ? "ended|" + text.Split('|')[1] : text.Split('|')[0];
            announced.AddOrUpdate(kind, 1, (_, n) => n + 1);
        });

        var nodes = new ConcurrentDictionary<string, NodeProcess>();
        try
        {
            foreach (string name in new[] { "a", "b", "c" })
            {
                nodes[name] = (await NodeProcess.StartAsync(_server, p, name, 0, Beat, Lapse, NodeOptions)).Node;
            }

            await Task.WhenAll(
                RunAsync(nodes, "a", "b,c"),
                RunAsync(nodes, "b", "a,c"),
                RunWithKillAsync(nodes, p, "c", "a,b"));

            // Every session ended on the node that held it last; ends that Redis did not take in time are written at the
            // next heartbeats, and the moved lists are drained by them.
            var residuals = await Task.WhenAll(nodes.Values.Select(n => SettledAsync(n)));
            foreach (var (name, reply) in nodes.Keys.Zip(residuals))
            {
                _output.WriteLine($"{name}: {reply}");
                var fields = reply.Split(' ');
                Assert.True(fields[3] == "True" && fields[6] == "0", $"node {name}: {reply}");
            }

            // No owner record (s:), no owned key or set of them (owned:, k:), no node set (set:), no count (all), no
            // moved list left: only what the three live nodes keep.
            var expected = new[] { "epoch", "fence", "hb:a", "hb:b", "hb:c", "nodes" }.Select(k => "{" + p + "}:" + k).ToArray();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!(await _server.KeysAsync(p)).SequenceEqual(expected) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            string[] left = await _server.KeysAsync(p);
            Assert.True(left.SequenceEqual(expected), $"{left.Length - expected.Length} keys left besides the nodes' own: {string.Join(", ", left.Except(expected).Take(20))}");

            // The schedule did what it claims: sessions were taken over, and the killed node held sessions that were
            // reclaimed (announced ended with NodeLost).
            int moved = residuals.Sum(r => int.Parse(r.Split(' ')[4], CultureInfo.InvariantCulture));
            _output.WriteLine($"{moved} copies ended as taken over on the surviving processes; announcements: {string.Join(", ", announced.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} {a.Value}"))}");
            Assert.True(moved > 0, "no session was taken over");
            Assert.True(announced.GetValueOrDefault("ended|NodeLost") > 0, "the killed node's sessions were not reclaimed");

            foreach (var node in nodes.Values)
            {
                await node.LeaveAsync();
            }

            Assert.Equal(new[] { "epoch", "fence" }.Select(k => "{" + p + "}:" + k), await _server.KeysAsync(p));
            _output.WriteLine($"soak took {elapsed.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                await node.DisposeAsync();
            }

            await subscriber.UnsubscribeAsync(channel);
        }
    }

    /// <summary>Asks the node for its residuals until it holds no session and no end waits for Redis (bounded).</summary>
    private static async Task<string> SettledAsync(NodeProcess node)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            string reply = await node.AskAsync("residuals", "residuals");
            var fields = reply.Split(' ');
            if ((fields[1] == "0" && fields[2] == "0") || DateTime.UtcNow > deadline)
            {
                Assert.True(fields[1] == "0" && fields[2] == "0", "The node still holds sessions or ends: " + reply);
                return reply;
            }

            await Task.Delay(100);
        }
    }

    private static async Task RunAsync(ConcurrentDictionary<string, NodeProcess> nodes, string name, string peers)
    {
        for (int from = 0; from < PerNode; from += Chunk)
        {
            await nodes[name].AskAsync($"run {Seed} {from} {Chunk} {peers} -1", "ran");
        }
    }

    /// <summary>
    /// The first chunk as the others; the second is killed a quarter of the way in, holding sessions (their records and
    /// keys are left to the reclaim), and its 5 000 sessions are opened again by the restarted node under new ids, as
    /// clients reconnect: ids the killed process held are not reopened, so nothing it left is cleaned up by a later end.
    /// </summary>
    private async Task RunWithKillAsync(ConcurrentDictionary<string, NodeProcess> nodes, string p, string name, string peers)
    {
        var node = nodes[name];
        await node.AskAsync($"run {Seed} 0 {Chunk} {peers} -1", "ran");
        await node.SendAsync($"run {Seed} {Chunk} {Chunk} {peers} {Chunk / 4}");
        await node.NextReplyAsync("halfway");
        await node.KillAsync();
        var (restarted, _) = await NodeProcess.StartAsync(_server, p, name, 0, Beat, Lapse, NodeOptions);
        nodes[name] = restarted;
        await node.DisposeAsync();
        await restarted.AskAsync($"run {Seed} {Chunk} {Chunk} {peers} -1 {name}-reconnected", "ran");
    }
}
