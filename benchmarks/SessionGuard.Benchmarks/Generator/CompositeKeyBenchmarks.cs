using System;
using System.Collections.Concurrent;
using System.Linq;
using BenchmarkDotNet.Attributes;

namespace SessionGuard.Benchmarks.Generator;

/// <summary>
/// Releasing one session's 10 composite-key entries from a map holding <see cref="TotalEntries"/> entries: a
/// <see cref="SessionMap{TKey, TValue}"/> (per-session index) against a scanned <see cref="ConcurrentDictionary{TKey, TValue}"/>
/// (what the generated release does for a composite key there). Each operation puts the 10 entries back first.
/// </summary>
[MemoryDiagnoser]
public class CompositeKeyBenchmarks
{
    private const int EntriesPerSession = 10;
    private SessionMap<ChunkKey, int> _map = null!;
    private ConcurrentDictionary<ChunkKey, int> _dictionary = null!;
    private SessionId[] _sessions = Array.Empty<SessionId>();
    private int _next;

    [Params(1_000, 100_000)]
    public int TotalEntries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        int sessions = TotalEntries / EntriesPerSession;
        _sessions = Enumerable.Range(0, sessions).Select(static i => new SessionId("session-" + i)).ToArray();
        _map = new SessionMap<ChunkKey, int>(static k => k.Session);
        _dictionary = new ConcurrentDictionary<ChunkKey, int>();
        foreach (SessionId session in _sessions)
        {
            for (int i = 0; i < EntriesPerSession; i++)
            {
                _map[new ChunkKey(session, i)] = i;
                _dictionary[new ChunkKey(session, i)] = i;
            }
        }
    }

    private SessionId Next() => _sessions[_next = (_next + 1) % _sessions.Length];

    [Benchmark(Baseline = true)]
    public int SessionMapRelease()
    {
        SessionId session = Next();
        for (int i = 0; i < EntriesPerSession; i++)
        {
            _map[new ChunkKey(session, i)] = i;
        }

        return _map.TryRemoveSession(session, out var removed) ? removed.Count : 0;
    }

    [Benchmark]
    public int ScannedConcurrentDictionary()
    {
        SessionId session = Next();
        for (int i = 0; i < EntriesPerSession; i++)
        {
            _dictionary[new ChunkKey(session, i)] = i;
        }

        int count = 0;
        foreach (var pair in _dictionary)
        {
            if (pair.Key.Session == session && _dictionary.TryRemove(pair.Key, out _))
            {
                count++;
            }
        }

        return count;
    }
}
