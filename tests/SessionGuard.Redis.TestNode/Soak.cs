using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;
using SessionGuard.Redis;
using StackExchange.Redis;

/// <summary>
/// The soak's commands (SessionGuard.Redis.Tests' SoakTests):
///   "run SEED FROM COUNT PEERS SIGNAL [IDS]" opens sessions IDS/FROM .. IDS/FROM+COUNT-1 (IDS: the node's name unless
///   given) on <see cref="Workers"/>
///   concurrent workers, each with a random schedule of its own seeded from SEED, FROM and its number, so that a run
///   repeated with the same arguments makes the same choices. A worker opens its next id, now and then also an id of a
///   peer (PEERS, comma-separated; "-" for none) near the same index, which that peer probably holds: a takeover; gives
///   every session it opens per-session state in a registered owner and a key in Redis (OwnRedisKeyAsync); ends sessions
///   it holds at random, keeping at most <see cref="Window"/>; ends all it still holds when its ids run out. After SIGNAL
///   opens (-1: never) it answers "halfway" (the test kills it there); at the end "ran OPENS PEER_OPENS STILL_ENDING".
///   "endall" ends every session this node opened that is still active, one after another: "ended N".
///   "residuals" -> "residuals ACTIVE PENDING_ENDS CLEAN MOVED NODELOST OWNED_ENTRIES" and the residual report.
/// </summary>
internal sealed class Soak
{
    private const int Workers = 16;
    private const int Window = 8;

    /// <summary>KEYS: the session's set of owned keys (the cluster's <c>{p}:k:ID</c>), the key. ARGV: the value.</summary>
    private const string WriteIfOwned = """
        if redis.call('SISMEMBER', KEYS[1], KEYS[2]) == 1 then
          redis.call('SET', KEYS[2], ARGV[1])
          return 1
        end
        return 0
        """;

    private readonly RedisSessionCluster _cluster;
    private readonly SessionRegistry _registry;
    private readonly IDatabase _db;
    private readonly string _prefix;
    private readonly string _node;
    private readonly ConcurrentBag<Session> _opened;
    private readonly ConcurrentDictionary<SessionEndReason, int> _ends;
    private readonly Action<string> _say;
    private readonly LocalState _state = new();

    public Soak(RedisSessionCluster cluster, SessionRegistry registry, IDatabase db, string prefix, string node, ConcurrentBag<Session> opened, ConcurrentDictionary<SessionEndReason, int> ends, Action<string> say)
    {
        (_cluster, _registry, _db, _prefix, _node, _opened, _ends, _say) = (cluster, registry, db, prefix, node, opened, ends, say);
        registry.Register(_state);
    }

    public bool Handles(string command) => command.StartsWith("run ", StringComparison.Ordinal) || command is "endall" or "residuals";

    public async Task RunAsync(string command)
    {
        if (command == "endall")
        {
            int ended = 0;
            foreach (var session in _opened.Where(s => s.IsActive).ToArray())
            {
                await session.EndAsync();
                ended++;
            }

            _say($"ended {ended}");
        }
        else if (command == "residuals")
        {
            var report = _registry.CheckResiduals();
            _say(string.Create(CultureInfo.InvariantCulture, $"residuals {_registry.ActiveCount} {_cluster.PendingEnds} {report.IsClean} {_ends.GetValueOrDefault(SessionEndReason.MovedToAnotherNode)} {_ends.GetValueOrDefault(SessionEndReason.NodeLost)} {_state.Entries.Count} {report}"));
        }
        else
        {
            var parts = command.Split(' ');
            int seed = int.Parse(parts[1], CultureInfo.InvariantCulture);
            int from = int.Parse(parts[2], CultureInfo.InvariantCulture);
            int count = int.Parse(parts[3], CultureInfo.InvariantCulture);
            string[] peers = parts[4] == "-" ? Array.Empty<string>() : parts[4].Split(',');
            int signal = int.Parse(parts[5], CultureInfo.InvariantCulture);
            string ids = parts.Length > 6 ? parts[6] : _node;
            var run = new Run(this, seed, from, count, peers, signal, ids);
            try
            {
                await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() => run.WorkerAsync(w))));
                _say($"ran {run.Opens} {run.PeerOpens} {run.StillEnding}");
            }
            catch (Exception ex)
            {
                _say($"failed {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
            }
        }
    }

    private sealed class Run(Soak soak, int seed, int from, int count, string[] peers, int signal, string ids)
    {
        public int Opens;
        public int PeerOpens;
        public int StillEnding;

        public async Task WorkerAsync(int worker)
        {
            var random = new Random(unchecked((seed * 1_000_003) + (from * 31) + worker));
            var held = new List<Session>();
            for (int i = from + worker; i < from + count; i += Workers)
            {
                await OpenAsync($"{ids}/{i}", held);
                if (peers.Length > 0 && random.Next(4) == 0)
                {
                    // A peer runs the same schedule at about the same pace: its ids a little behind this one are likely
                    // still open there.
                    int index = Math.Max(0, i - random.Next(Workers * Window));
                    await OpenAsync($"{peers[random.Next(peers.Length)]}/{index}", held);
                    Interlocked.Increment(ref PeerOpens);
                }

                while (held.Count > random.Next(1, Window + 1))
                {
                    int victim = random.Next(held.Count);
                    var session = held[victim];
                    held.RemoveAt(victim);
                    await session.EndAsync();
                }
            }

            foreach (var session in held)
            {
                await session.EndAsync();
            }
        }

        private async Task OpenAsync(string id, List<Session> held)
        {
            Session session;
            try
            {
                session = await soak._cluster.GetOrOpenAsync(SessionId.Parse(id));
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("still ending", StringComparison.Ordinal))
            {
                // This node's copy was taken over and is still ending: a client would retry; the schedule moves on.
                Interlocked.Increment(ref StillEnding);
                return;
            }

            if (Interlocked.Increment(ref Opens) == signal)
            {
                soak._say("halfway");
            }

            soak._opened.Add(session);
            held.Add(session);

            // State written after the session may have begun to end (taken over meanwhile): its release may have run
            // already, so take the entry back; while it is active, its end will release it.
            soak._state.Entries[session.Id] = soak._node;
            if (!session.IsActive)
            {
                soak._state.Entries.TryRemove(session.Id, out _);
            }

            // The key is given to the session before it is written, and written only while the session's set of keys
            // holds it, in one script: a kill between the two steps, or an end between them, leaves no key the cluster
            // does not know of (written first and given after, a kill in between would leave it unowned).
            RedisKey key = $"{{{soak._prefix}}}:owned:{id}";
            try
            {
                await session.OwnRedisKeyAsync(key);
            }
            catch (ObjectDisposedException)
            {
                // Its end began meanwhile.
                return;
            }
            catch (SessionOwnedElsewhereException)
            {
                // Taken over meanwhile: the cluster refuses a key from the stale copy, and the copy ends.
                return;
            }

            await soak._db.ScriptEvaluateAsync(WriteIfOwned, new RedisKey[] { $"{{{soak._prefix}}}:k:{id}", key }, new RedisValue[] { soak._node });
        }
    }

    /// <summary>Per-session state of the sessions this node holds, released by the registry at each end.</summary>
    private sealed class LocalState : ISessionScoped
    {
        public ConcurrentDictionary<SessionId, string> Entries { get; } = new();

        public int MemberCount => 1;

        public ValueTask<int> ReleaseSessionAsync(SessionId session) => new(Entries.TryRemove(session, out _) ? 1 : 0);

        public string GetMemberName(int index) => nameof(Entries);

        public int GetLiveEntryCount(int index) => Entries.Count;

        public void CollectLiveSessions(int index, ICollection<SessionId> sessions)
        {
            foreach (var id in Entries.Keys)
            {
                sessions.Add(id);
            }
        }
    }
}
