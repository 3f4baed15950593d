using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.Tests.Generated;

// Real owner types: the generator (referenced as an analyzer) implements ISessionScoped for each of them.

public sealed record BufferKey(SessionId Session, string Turn, string Lang);

public readonly record struct TurnKey(string Turn, SessionId Session);

public sealed record AudioState(int Frames);

/// <summary>The example: SessionId, string and composite keys, and pending operations.</summary>
public sealed partial class DedupStage
{
    internal readonly object Gate = new();

    [SessionScoped] internal readonly ConcurrentDictionary<SessionId, string> LastSentText = new();
    [SessionScoped(SyncRoot = nameof(Gate))] internal readonly Dictionary<string, AudioState> Audio = new();
    [SessionScoped] internal readonly ConcurrentDictionary<BufferKey, byte[]> Buffers = new();
    [SessionScoped] internal readonly PendingOperations<SessionId, string> Translations = new();
}

/// <summary>Every other supported collection and key shape.</summary>
public sealed partial class ShapesOwner
{
    [SessionScoped] internal readonly HashSet<SessionId> Active = new();
    [SessionScoped] internal readonly ISet<string> ActiveByValue = new HashSet<string>();
    [SessionScoped] internal readonly HashSet<(SessionId Session, int Turn)> Turns = new();
    [SessionScoped] internal readonly IDictionary<SessionId, int> Scores = new Dictionary<SessionId, int>();
    [SessionScoped] internal readonly Dictionary<TurnKey, string> ByTurn = new();
    [SessionScoped(SessionKey = "Owner")] internal readonly Dictionary<(string Owner, string Lang), int> ByName = new();
    [SessionScoped] internal readonly PendingOperations<(SessionId Session, string Turn), int> PendingTurns = new();
    [SessionScoped] internal readonly SessionMap<BufferKey, string> Map = new(static k => k.Session);
    [SessionScoped] internal ConcurrentDictionary<string, int> ByProperty { get; } = new();
    [SessionScoped] internal readonly PendingOperations<string, int> PendingByValue = new();
    [SessionScoped] internal readonly IDictionary<BufferKey, TrackingDisposable> Handles = new Dictionary<BufferKey, TrackingDisposable>();
}

/// <summary>Values of every disposable kind.</summary>
public sealed partial class DisposalOwner
{
    [SessionScoped] internal readonly ConcurrentDictionary<SessionId, TrackingAsyncDisposable> Async = new();
    [SessionScoped] internal readonly Dictionary<SessionId, TrackingDisposable> Sync = new();
    [SessionScoped] internal readonly ConcurrentDictionary<(SessionId Session, int N), CancellationTokenSource> Tokens = new();
    [SessionScoped] internal readonly ConcurrentDictionary<SessionId, object> Mixed = new();
    [SessionScoped] internal readonly SessionMap<BufferKey, TrackingDisposable> Map = new(static k => k.Session);
    [SessionScoped] internal readonly Dictionary<SessionId, Task> Tasks = new();
}

/// <summary>A generic owner.</summary>
public sealed partial class GenericOwner<T>
{
    [SessionScoped] internal readonly Dictionary<SessionId, T> Values = new();
}

public static partial class Outer
{
    /// <summary>A nested owner.</summary>
    public sealed partial class NestedOwner
    {
        [SessionScoped] internal readonly ConcurrentDictionary<SessionId, int> Values = new();
    }
}

/// <summary>Concurrent members only, for the multi-threaded test.</summary>
public sealed partial class ConcurrentOwner
{
    [SessionScoped] internal readonly ConcurrentDictionary<SessionId, int> PerSession = new();
    [SessionScoped] internal readonly ConcurrentDictionary<BufferKey, int> Scanned = new();
    [SessionScoped] internal readonly SessionMap<BufferKey, TrackingDisposable> Indexed = new(static k => k.Session);
}

public class TrackingDisposable : IDisposable
{
    private int _disposeCount;

    public TrackingDisposable(bool throwOnDispose = false) => ThrowOnDispose = throwOnDispose;

    public bool ThrowOnDispose { get; }

    public int DisposeCount => Volatile.Read(ref _disposeCount);

    public void Dispose()
    {
        Interlocked.Increment(ref _disposeCount);
        if (ThrowOnDispose)
        {
            throw new InvalidOperationException("dispose failed on purpose");
        }
    }
}

public sealed class TrackingAsyncDisposable : IAsyncDisposable
{
    private int _started;
    private int _finished;

    public TrackingAsyncDisposable(bool yields, bool throwOnDispose = false)
    {
        Yields = yields;
        ThrowOnDispose = throwOnDispose;
    }

    public bool Yields { get; }

    public bool ThrowOnDispose { get; }

    public int Started => Volatile.Read(ref _started);

    public int Finished => Volatile.Read(ref _finished);

    public async ValueTask DisposeAsync()
    {
        Interlocked.Increment(ref _started);
        if (Yields)
        {
            await Task.Delay(5);
        }

        Interlocked.Increment(ref _finished);
        if (ThrowOnDispose)
        {
            throw new InvalidOperationException("async dispose failed on purpose");
        }
    }
}

/// <summary>Both disposable interfaces: only DisposeAsync must run.</summary>
public sealed class BothDisposable : TrackingDisposable, IAsyncDisposable
{
    public int AsyncDisposeCount { get; private set; }

    public ValueTask DisposeAsync()
    {
        AsyncDisposeCount++;
        return ValueTask.CompletedTask;
    }
}
