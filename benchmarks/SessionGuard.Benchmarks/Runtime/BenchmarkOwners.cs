using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;

namespace SessionGuard.Benchmarks.Runtime;

/// <summary>A hand-written owner with five per-session maps, as a generated owner would have.</summary>
public sealed class FiveMemberOwner : ISessionScoped
{
    private readonly ConcurrentDictionary<SessionId, int>[] _members =
    {
        new(), new(), new(), new(), new(),
    };

    private static readonly string[] Names = { "m0", "m1", "m2", "m3", "m4" };

    public int MemberCount => 5;

    public string GetMemberName(int index) => Names[index];

    public int GetLiveEntryCount(int index) => _members[index].Count;

    public void Write(SessionId session)
    {
        foreach (var member in _members)
        {
            member[session] = 1;
        }
    }

    public ValueTask<int> ReleaseSessionAsync(SessionId session) => new(Remove(session, null));

    public ValueTask<int> ReleaseSessionAsync(SessionId session, SessionReleaseContext context) => new(Remove(session, context));

    private int Remove(SessionId session, SessionReleaseContext? context)
    {
        int total = 0;
        for (int i = 0; i < _members.Length; i++)
        {
            int removed = _members[i].TryRemove(session, out _) ? 1 : 0;
            context?.EntriesRemoved(Names[i], removed);
            total += removed;
        }

        return total;
    }
}

/// <summary>A trivial disposable, as a socket or stream wrapper would be.</summary>
public sealed class Disposable : IDisposable
{
    public bool Disposed { get; private set; }

    public void Dispose() => Disposed = true;
}

public sealed class ScopedDisposable1 : IDisposable
{
    public void Dispose()
    {
    }
}

public sealed class ScopedDisposable2 : IDisposable
{
    public void Dispose()
    {
    }
}

public sealed class ScopedDisposable3 : IDisposable
{
    public void Dispose()
    {
    }
}
