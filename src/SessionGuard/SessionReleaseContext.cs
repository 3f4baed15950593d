using System;
using System.Collections.Generic;

namespace SessionGuard;

/// <summary>
/// Collects what one owner's release did, member by member: entries removed and values whose disposal failed.
/// Passed to <see cref="ISessionScoped.ReleaseSessionAsync(SessionId, SessionReleaseContext)"/>. Thread-safe. When the
/// owner's release overruns <see cref="SessionRegistryOptions.OwnerReleaseTimeout"/> the registry closes the context
/// and reports what it holds then: what the owner records later is ignored.
/// </summary>
public sealed class SessionReleaseContext
{
    private readonly object _gate = new();
    private readonly List<(string Member, int Count)> _removed = new();
    private readonly List<(string Member, Exception Error)> _failures = new();
    private bool _closed;

    /// <summary>Creates an empty context.</summary>
    public SessionReleaseContext()
    {
    }

    /// <summary>Records that <paramref name="count"/> entries were removed from <paramref name="member"/> (a zero count is ignored).</summary>
    public void EntriesRemoved(string member, int count)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count != 0)
        {
            lock (_gate)
            {
                if (!_closed)
                {
                    _removed.Add((member, count));
                }
            }
        }
    }

    /// <summary>Records that releasing a value of <paramref name="member"/> failed with <paramref name="error"/>.</summary>
    public void Failed(string member, Exception error)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(error);
        lock (_gate)
        {
            if (!_closed)
            {
                _failures.Add((member, error));
            }
        }
    }

    /// <summary>Entries removed, per member, in the order reported (members with nothing removed are left out): a
    /// copy taken now.</summary>
    public IReadOnlyList<(string Member, int Count)> Removed
    {
        get
        {
            lock (_gate)
            {
                return _removed.ToArray();
            }
        }
    }

    /// <summary>Failures, per member, in the order reported: a copy taken now.</summary>
    public IReadOnlyList<(string Member, Exception Error)> Failures
    {
        get
        {
            lock (_gate)
            {
                return _failures.ToArray();
            }
        }
    }

    /// <summary>The entries removed, not copied: for the registry, once the owner's release completed or the context
    /// was closed, when nothing writes to it any more.</summary>
    internal List<(string Member, int Count)> RemovedSoFar => _removed;

    /// <summary>The failures, not copied (see <see cref="RemovedSoFar"/>).</summary>
    internal List<(string Member, Exception Error)> FailuresSoFar => _failures;

    /// <summary>Stops recording: later calls are ignored. The registry closes a context whose owner overran its
    /// timeout, so the owner's late writes cannot race the report being built from it.</summary>
    internal void Close()
    {
        lock (_gate)
        {
            _closed = true;
        }
    }

    internal void Clear()
    {
        lock (_gate)
        {
            _removed.Clear();
            _failures.Clear();
            _closed = false;
        }
    }
}
