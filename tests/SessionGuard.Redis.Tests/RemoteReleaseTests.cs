using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading.Tasks;

namespace SessionGuard.Redis.Tests;

/// <summary>
/// A session ended on one node releases the state another node keeps for it (a remote owner), once. The time this takes
/// is measured by the benchmarks' <c>--redis-remote-release</c> mode, not here.
/// </summary>
[Collection(RedisCollection.Name)]
public class RemoteReleaseTests
{
    private const int Sessions = 1000;

    private readonly RedisServer _server;

    public RemoteReleaseTests(RedisServer server) => _server = server;

    [Fact]
    public async Task A_thousand_sessions_ended_in_another_process_are_each_released_once_by_the_remote_owner_of_this_node()
    {
        string p = Prefix.New();
        await using var b = await Node.StartAsync(_server.Redis, p, "b");
        var cache = new CountingRemoteCache();
        var ids = Enumerable.Range(0, Sessions).Select(i => SessionId.Parse("a/" + i)).ToArray();
        foreach (var id in ids)
        {
            cache.Entries[id] = "transcript";
        }

        cache.Entries[SessionId.Parse("elsewhere")] = "kept";
        using var registration = b.Cluster.RegisterRemote(cache);

        var (a, _) = await NodeProcess.StartAsync(_server, p, "a", Sessions, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), "quiet");
        await using (a)
        {
            Assert.Equal($"ended {Sessions}", await a.AskAsync("endall", "ended"));
            await Wait.UntilAsync(() => ids.All(cache.Released.ContainsKey), "b released every session a ended");

            // One more end, announced after all the others on the same channel: once it is released, any second release of
            // the first thousand would have come before it.
            Assert.StartsWith("opened ", await a.AskAsync("open a/last", "opened"), StringComparison.Ordinal);
            Assert.Equal("ended 1", await a.AskAsync("endall", "ended"));
            await Wait.UntilAsync(() => cache.Released.ContainsKey(SessionId.Parse("a/last")), "b released the last session");
        }

        Assert.All(ids, id => Assert.Equal(1, cache.Released[id]));
        Assert.Equal(Sessions + 1, cache.Released.Count);
        Assert.Equal(new[] { SessionId.Parse("elsewhere") }, cache.Entries.Keys);
        Assert.Equal(Sessions + 1, b.RemoteEnded.Count);
        Assert.All(b.RemoteEnded, e => Assert.Equal((SessionEndReason.Closed, "a"), (e.Reason, e.Node)));
    }

    /// <summary>A remote owner that counts its releases per session.</summary>
    private sealed class CountingRemoteCache : ISessionScoped
    {
        public ConcurrentDictionary<SessionId, string> Entries { get; } = new();

        public ConcurrentDictionary<SessionId, int> Released { get; } = new();

        public int MemberCount => 1;

        public ValueTask<int> ReleaseSessionAsync(SessionId session)
        {
            Released.AddOrUpdate(session, 1, (_, n) => n + 1);
            return new(Entries.TryRemove(session, out _) ? 1 : 0);
        }

        public string GetMemberName(int index) => nameof(Entries);

        public int GetLiveEntryCount(int index) => Entries.Count;
    }
}
