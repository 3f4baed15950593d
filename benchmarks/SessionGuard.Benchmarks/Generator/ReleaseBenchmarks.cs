using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace SessionGuard.Benchmarks.Generator;

public readonly record struct ChunkKey(SessionId Session, int Index);

/// <summary>The generated owner: three members, one of them holding <c>EntriesPerSession</c> entries per session.</summary>
public sealed partial class GeneratedOwner
{
    [SessionScoped] internal readonly ConcurrentDictionary<SessionId, string> Text = new();
    [SessionScoped] internal readonly ConcurrentDictionary<SessionId, int> Counts = new();
    [SessionScoped] internal readonly SessionMap<ChunkKey, string> Chunks = new(static k => k.Session);
}

/// <summary>The same members with a hand-written release (what a careful developer would write).</summary>
public sealed class HandWrittenOwner
{
    internal readonly ConcurrentDictionary<SessionId, string> Text = new();
    internal readonly ConcurrentDictionary<SessionId, int> Counts = new();
    internal readonly SessionMap<ChunkKey, string> Chunks = new(static k => k.Session);

    public int Release(SessionId session)
    {
        int removed = 0;
        if (Text.TryRemove(session, out _))
        {
            removed++;
        }

        if (Counts.TryRemove(session, out _))
        {
            removed++;
        }

        if (Chunks.TryRemoveSession(session, out var entries))
        {
            removed += entries.Count;
        }

        return removed;
    }
}

/// <summary>
/// A generic cleaner that finds <c>[SessionScoped]</c> fields by reflection (cached per type) and removes through
/// reflection calls: the approach the generator replaces.
/// </summary>
public static class ReflectionCleaner
{
    private static readonly ConcurrentDictionary<Type, FieldInfo[]> Fields = new();

    public static int Release(object owner, SessionId session)
    {
        FieldInfo[] fields = Fields.GetOrAdd(owner.GetType(), static t => t
            .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(static f => f.GetCustomAttribute<SessionScopedAttribute>() is not null)
            .ToArray());
        int removed = 0;
        foreach (FieldInfo field in fields)
        {
            object? member = field.GetValue(owner);
            if (member is null)
            {
                continue;
            }

            Type type = member.GetType();
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(SessionMap<,>))
            {
                object?[] args = { session, null };
                if ((bool)type.GetMethod("TryRemoveSession")!.Invoke(member, args)!)
                {
                    removed += ((ICollection)args[1]!).Count;
                }
            }
            else if (member is IDictionary dictionary && dictionary.Contains(session))
            {
                object?[] args = { session, null };
                MethodInfo tryRemove = type.GetMethods().First(static m => m.Name == "TryRemove" && m.GetParameters().Length == 2 && m.GetParameters()[1].IsOut);
                if ((bool)tryRemove.Invoke(member, args)!)
                {
                    removed++;
                    (args[1] as IDisposable)?.Dispose();
                }
            }
        }

        return removed;
    }
}

/// <summary>
/// Releasing one session from owners holding at least 1 000 live sessions (release only: the sessions an iteration
/// releases are filled in <c>IterationSetup</c>, 1 000 of them, one per invocation, while 1 000 others stay live).
/// </summary>
[MemoryDiagnoser]
public class ReleaseBenchmarks
{
    private const int Released = 1_000;
    private const int LiveSessions = 2 * Released;
    private readonly GeneratedOwner _generated = new();
    private readonly HandWrittenOwner _handWritten = new();
    private readonly GeneratedOwner _reflected = new();
    private SessionId[] _sessions = Array.Empty<SessionId>();
    private ChunkKey[][] _keys = Array.Empty<ChunkKey[]>();
    private int _next;

    [Params(1, 10, 100)]
    public int EntriesPerSession { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _sessions = Enumerable.Range(0, LiveSessions).Select(static i => new SessionId("session-" + i)).ToArray();
        _keys = _sessions.Select(s => Enumerable.Range(0, EntriesPerSession).Select(i => new ChunkKey(s, i)).ToArray()).ToArray();
        for (int i = Released; i < LiveSessions; i++)
        {
            Fill(i);
        }
    }

    [IterationSetup]
    public void FillReleasedSessions()
    {
        for (int i = 0; i < Released; i++)
        {
            Fill(i);
        }

        _next = 0;
    }

    private void Fill(int index)
    {
        SessionId session = _sessions[index];
        foreach (var (text, counts, chunks) in new[] { (_generated.Text, _generated.Counts, _generated.Chunks), (_handWritten.Text, _handWritten.Counts, _handWritten.Chunks), (_reflected.Text, _reflected.Counts, _reflected.Chunks) })
        {
            text[session] = "hello";
            counts[session] = 1;
            foreach (ChunkKey key in _keys[index])
            {
                chunks[key] = "chunk";
            }
        }
    }

    [Benchmark(Baseline = true)]
    [InvocationCount(Released)]
    public int HandWritten() => _handWritten.Release(_sessions[_next++]);

    [Benchmark]
    [InvocationCount(Released)]
    public int Generated()
    {
        ValueTask<int> release = ((ISessionScoped)_generated).ReleaseSessionAsync(_sessions[_next++]);
        return release.IsCompletedSuccessfully ? release.Result : release.AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    [InvocationCount(Released)]
    public int Reflection() => ReflectionCleaner.Release(_reflected, _sessions[_next++]);
}
