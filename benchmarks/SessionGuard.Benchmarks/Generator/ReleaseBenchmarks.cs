using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading;
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
/// Releasing sessions from owners that hold at least 1 000 live sessions. One operation releases one session; an
/// iteration is one invocation that releases a batch of <see cref="Batch"/> sessions (<c>OperationsPerInvoke</c>).
/// The batch is filled in <c>IterationSetup</c> (not measured), into the measured owner only, while
/// <see cref="LiveSessions"/> other sessions stay live throughout.
/// </summary>
/// <remarks>
/// The setup also collects the fill's garbage and then reads the batch's entries, so the release is measured on
/// entries in the cache: what differs between the three is code, and a cold release on this shared VM varied by
/// up to 2x from one process (or one minute) to the next, far more than the code differs. A release allocates
/// nothing (generated and hand-written), so no GC runs while it is measured; BenchmarkDotNet's own collection
/// between setup and measurement is turned off (<c>GcForce(false)</c>) because it would evict the batch again.
/// </remarks>
[MemoryDiagnoser]
[GcForce(false)]
public class ReleaseBenchmarks
{
    public const int LiveSessions = 1_000;
    public const int Batch = 1_000;
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
        _sessions = Enumerable.Range(0, Batch + LiveSessions).Select(static i => new SessionId("session-" + i)).ToArray();
        _keys = _sessions.Select(s => Enumerable.Range(0, EntriesPerSession).Select(i => new ChunkKey(s, i)).ToArray()).ToArray();
        for (int i = Batch; i < _sessions.Length; i++)
        {
            Fill(_generated.Text, _generated.Counts, _generated.Chunks, i);
            Fill(_handWritten.Text, _handWritten.Counts, _handWritten.Chunks, i);
            Fill(_reflected.Text, _reflected.Counts, _reflected.Chunks, i);
        }

        // The three do the same job: each removes the session's two values and its chunks.
        int expected = Batch * (2 + EntriesPerSession);
        var results = new[]
        {
            WarmUp(() => FillReleased(_generated.Text, _generated.Counts, _generated.Chunks, Batch), Generated),
            WarmUp(() => FillReleased(_handWritten.Text, _handWritten.Counts, _handWritten.Chunks, Batch), HandWritten),
            WarmUp(() => FillReleased(_reflected.Text, _reflected.Counts, _reflected.Chunks, Batch), Reflection),
        };
        if (results.Any(r => r != expected))
        {
            throw new InvalidOperationException($"Expected {expected} entries removed per batch, got {string.Join(", ", results)}.");
        }
    }

    /// <summary>
    /// Fills and releases one batch often enough for the tiered JIT to finish with the release: BenchmarkDotNet
    /// calls a benchmark with an <c>IterationSetup</c> once per iteration, so its own warm-up can end while the
    /// release still runs tier-0 code.
    /// </summary>
    private static int WarmUp(Action fillBatch, Func<int> releaseBatch)
    {
        int removed = 0;
        for (int round = 0; round < 3; round++)
        {
            for (int call = 0; call < 40; call++)
            {
                fillBatch();
                removed = releaseBatch();
            }

            Thread.Sleep(200); // the background compiler's turn
        }

        return removed;
    }

    [IterationSetup(Target = nameof(HandWritten))]
    public void FillHandWritten() => FillReleased(_handWritten.Text, _handWritten.Counts, _handWritten.Chunks, Batch);

    [IterationSetup(Target = nameof(Generated))]
    public void FillGenerated() => FillReleased(_generated.Text, _generated.Counts, _generated.Chunks, Batch);

    [IterationSetup(Target = nameof(Reflection))]
    public void FillReflected() => FillReleased(_reflected.Text, _reflected.Counts, _reflected.Chunks, Batch);

    private void FillReleased(ConcurrentDictionary<SessionId, string> text, ConcurrentDictionary<SessionId, int> counts, SessionMap<ChunkKey, string> chunks, int sessions)
    {
        for (int i = 0; i < sessions; i++)
        {
            Fill(text, counts, chunks, i);
        }

        // Collect the fill's garbage now, then read what a release will touch, so that it finds it in the cache.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        int found = 0;
        for (int i = 0; i < sessions; i++)
        {
            found += text.ContainsKey(_sessions[i]) && counts.ContainsKey(_sessions[i]) && chunks.TryGetValue(_keys[i][0], out _) ? 1 : 0;
        }

        if (found != sessions)
        {
            throw new InvalidOperationException($"Filled {sessions} sessions, found {found}.");
        }

        _next = 0;
    }

    private void Fill(ConcurrentDictionary<SessionId, string> text, ConcurrentDictionary<SessionId, int> counts, SessionMap<ChunkKey, string> chunks, int index)
    {
        SessionId session = _sessions[index];
        text[session] = "hello";
        counts[session] = 1;
        foreach (ChunkKey key in _keys[index])
        {
            chunks[key] = "chunk";
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    [InvocationCount(1)]
    public int HandWritten()
    {
        int removed = 0;
        for (int end = _next + Batch; _next < end; _next++)
        {
            removed += _handWritten.Release(_sessions[_next]);
        }

        return removed;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [InvocationCount(1)]
    public int Generated()
    {
        var owner = (ISessionScoped)_generated;
        int removed = 0;
        for (int end = _next + Batch; _next < end; _next++)
        {
            ValueTask<int> release = owner.ReleaseSessionAsync(_sessions[_next]);
            removed += release.IsCompletedSuccessfully ? release.Result : release.AsTask().GetAwaiter().GetResult();
        }

        return removed;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [InvocationCount(1)]
    public int Reflection()
    {
        int removed = 0;
        for (int end = _next + Batch; _next < end; _next++)
        {
            removed += ReflectionCleaner.Release(_reflected, _sessions[_next]);
        }

        return removed;
    }
}
