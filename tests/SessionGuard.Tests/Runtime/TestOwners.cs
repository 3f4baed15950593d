using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

/// <summary>An ordered, thread-safe log of what happened, to assert teardown order.</summary>
internal sealed class Recorder
{
    private readonly ConcurrentQueue<string> _events = new();

    public void Add(string e) => _events.Enqueue(e);

    public IReadOnlyList<string> Events => _events.ToArray();
}

/// <summary>A hand-written owner: one map keyed by session, one keyed by string.</summary>
internal sealed class MapOwner : ISessionScoped
{
    private readonly Recorder? _recorder;

    public MapOwner(Recorder? recorder = null) => _recorder = recorder;

    public ConcurrentDictionary<SessionId, string> LastText { get; } = new();

    public ConcurrentDictionary<string, int> Counters { get; } = new();

    public int MemberCount => 2;

    public string GetMemberName(int index) => index switch
    {
        0 => nameof(LastText),
        1 => nameof(Counters),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public int GetLiveEntryCount(int index) => index switch
    {
        0 => LastText.Count,
        1 => Counters.Count,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public ValueTask<int> ReleaseSessionAsync(SessionId session)
    {
        _recorder?.Add("release " + nameof(MapOwner));
        int removed = (LastText.TryRemove(session, out _) ? 1 : 0) + (Counters.TryRemove(session.Value, out _) ? 1 : 0);
        return new ValueTask<int>(removed);
    }

    public ValueTask<int> ReleaseSessionAsync(SessionId session, SessionReleaseContext context)
    {
        _recorder?.Add("release " + nameof(MapOwner));
        int a = LastText.TryRemove(session, out _) ? 1 : 0;
        int b = Counters.TryRemove(session.Value, out _) ? 1 : 0;
        context.EntriesRemoved(nameof(LastText), a);
        context.EntriesRemoved(nameof(Counters), b);
        return new ValueTask<int>(a + b);
    }
}

/// <summary>An owner that implements only the one-argument release (uses the interface's default for the context overload).</summary>
internal sealed class TotalOnlyOwner : ISessionScoped
{
    public ConcurrentDictionary<SessionId, int> Map { get; } = new();

    public Func<SessionId, ValueTask<int>>? Behaviour { get; set; }

    public int MemberCount => 1;

    public string GetMemberName(int index) => "Map";

    public int GetLiveEntryCount(int index) => Map.Count;

    public ValueTask<int> ReleaseSessionAsync(SessionId session) =>
        Behaviour is not null ? Behaviour(session) : new ValueTask<int>(Map.TryRemove(session, out _) ? 1 : 0);
}

/// <summary>A disposable that records its disposal (and can throw or hang).</summary>
internal sealed class Res : IDisposable
{
    private readonly Recorder? _recorder;
    private readonly string _name;
    private int _disposals;

    public Res(string name, Recorder? recorder = null, bool throws = false)
    {
        _name = name;
        _recorder = recorder;
        Throws = throws;
    }

    public bool Throws { get; }

    public int Disposals => Volatile.Read(ref _disposals);

    public void Dispose()
    {
        Interlocked.Increment(ref _disposals);
        _recorder?.Add("dispose " + _name);
        if (Throws)
        {
            throw new InvalidOperationException("boom from " + _name);
        }
    }
}

internal sealed class AsyncRes : IAsyncDisposable
{
    private readonly Recorder? _recorder;
    private readonly string _name;
    private readonly Task? _hang;
    private int _disposals;

    public AsyncRes(string name, Recorder? recorder = null, Task? hang = null)
    {
        _name = name;
        _recorder = recorder;
        _hang = hang;
    }

    public int Disposals => Volatile.Read(ref _disposals);

    public async ValueTask DisposeAsync()
    {
        Interlocked.Increment(ref _disposals);
        _recorder?.Add("dispose " + _name);
        if (_hang is not null)
        {
            await _hang;
        }
    }
}

/// <summary>Both interfaces: the registry must prefer DisposeAsync.</summary>
internal sealed class BothRes : IDisposable, IAsyncDisposable
{
    public int Sync { get; private set; }

    public int Async { get; private set; }

    public void Dispose() => Sync++;

    public ValueTask DisposeAsync()
    {
        Async++;
        return default;
    }
}
