using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.Tests.Runtime;

public class SessionMapTests
{
    private sealed record Key(SessionId Session, int N);

    private static readonly SessionId A = new("a");
    private static readonly SessionId B = new("b");

    private static SessionMap<Key, string> NewMap() => new(static k => k.Session);

    [Fact]
    public void Add_get_remove_and_counts()
    {
        var map = NewMap();
        Assert.True(map.TryAdd(new Key(A, 1), "a1"));
        Assert.False(map.TryAdd(new Key(A, 1), "other"));
        map[new Key(A, 2)] = "a2";
        map[new Key(A, 2)] = "a2'";
        map[new Key(B, 1)] = "b1";

        Assert.Equal(3, map.Count);
        Assert.Equal(2, map.SessionCount);
        Assert.Equal(2, map.CountOf(A));
        Assert.Equal("a1", map[new Key(A, 1)]);
        Assert.Equal("a2'", map[new Key(A, 2)]);
        Assert.Throws<KeyNotFoundException>(() => map[new Key(A, 3)]);
        Assert.Equal("made", map.GetOrAdd(new Key(A, 3), static _ => "made"));
        Assert.Equal("made", map.GetOrAdd(new Key(A, 3), static _ => throw new InvalidOperationException("not called")));

        Assert.True(map.TryRemove(new Key(B, 1), out var removed));
        Assert.Equal("b1", removed);
        Assert.False(map.ContainsKey(new Key(B, 1)));
        Assert.Equal(1, map.SessionCount); // an emptied session leaves no group behind
        Assert.Equal(3, map.Count);
        Assert.Equal(3, map.Count());
    }

    [Fact]
    public void TryRemoveSession_removes_exactly_that_session()
    {
        var map = NewMap();
        for (int i = 0; i < 10; i++)
        {
            map[new Key(A, i)] = "a" + i;
            map[new Key(B, i)] = "b" + i;
        }

        Assert.True(map.TryRemoveSession(A, out var entries));
        Assert.Equal(10, entries.Count);
        Assert.All(entries.Keys, k => Assert.Equal(A, k.Session));
        Assert.Equal(10, map.Count);
        Assert.Equal(0, map.CountOf(A));
        Assert.Equal(10, map.CountOf(B));
        Assert.All(map, pair => Assert.Equal(B, pair.Key.Session));
        Assert.False(map.TryRemoveSession(A, out _));

        // The session can be used again afterwards.
        map[new Key(A, 1)] = "again";
        Assert.Equal("again", map[new Key(A, 1)]);
        Assert.Equal(11, map.Count);
    }

    [Fact]
    public void Bad_input_is_rejected_and_loses_nothing()
    {
        Assert.Throws<ArgumentNullException>(() => new SessionMap<Key, string>(null!));
        var map = NewMap();
        map[new Key(A, 1)] = "x";
        var ex = Assert.Throws<ArgumentException>(() => map.TryAdd(new Key(default, 1), "y"));
        Assert.Contains("default(SessionId)", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => map.TryAdd(null!, "y"));
        Assert.Throws<ArgumentNullException>(() => map.GetOrAdd(new Key(A, 2), null!));
        Assert.Throws<InvalidOperationException>(() => map.GetOrAdd(new Key(B, 2), static _ => throw new InvalidOperationException("factory")));
        Assert.Equal(1, map.Count);
        Assert.Equal(1, map.SessionCount); // the failed factory left no empty group for B
        Assert.Equal("x", map[new Key(A, 1)]);
    }

    [Fact]
    public async Task Concurrent_writers_removers_and_session_releases_keep_the_index_exact()
    {
        var map = new SessionMap<Key, int>(static k => k.Session);
        const int Sessions = 40;
        const int KeysPerSession = 50;
        int workers = Math.Max(4, Environment.ProcessorCount * 2);
        var sessions = Enumerable.Range(0, Sessions).Select(i => new SessionId("s" + i)).ToArray();
        long released = 0;
        using var stop = new CancellationTokenSource();

        // Releasers end random sessions while writers fill them; every entry ends in exactly one place:
        // released, removed one by one, or still in the map.
        long removedSingly = 0;
        var releasers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            while (!stop.IsCancellationRequested)
            {
                if (map.TryRemoveSession(sessions[random.Next(Sessions)], out var entries))
                {
                    Interlocked.Add(ref released, entries.Count);
                }
            }
        })).ToArray();

        long added = 0;
        var writers = Enumerable.Range(0, workers).Select(w => Task.Run(() =>
        {
            var random = new Random(100 + w);
            for (int i = 0; i < 4000; i++)
            {
                var key = new Key(sessions[random.Next(Sessions)], random.Next(KeysPerSession));
                switch (random.Next(3))
                {
                    case 0:
                        if (map.TryAdd(key, i))
                        {
                            Interlocked.Increment(ref added);
                        }

                        break;
                    case 1:
                        map.GetOrAdd(key, _ =>
                        {
                            Interlocked.Increment(ref added);
                            return i;
                        });
                        break;
                    default:
                        if (map.TryRemove(key, out _))
                        {
                            Interlocked.Increment(ref removedSingly);
                        }

                        break;
                }
            }
        })).ToArray();

        await Task.WhenAll(writers);
        stop.Cancel();
        await Task.WhenAll(releasers);

        int left = map.Count;
        Assert.Equal(added, released + removedSingly + left);
        Assert.Equal(left, map.Count());
        Assert.Equal(left, sessions.Sum(map.CountOf));
        foreach (var session in sessions)
        {
            int expected = map.CountOf(session);
            Assert.Equal(expected > 0, map.TryRemoveSession(session, out var entries));
            Assert.Equal(expected, entries?.Count ?? 0);
            Assert.All(entries ?? new Dictionary<Key, int>(), pair => Assert.Equal(session, pair.Key.Session));
        }

        Assert.Equal(0, map.Count);
        Assert.Equal(0, map.SessionCount);
    }
}
