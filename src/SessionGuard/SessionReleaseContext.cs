using System;
using System.Collections.Generic;

namespace SessionGuard;

/// <summary>
/// Collects what one owner's release did, member by member: entries removed and values whose disposal failed.
/// Passed to <see cref="ISessionScoped.ReleaseSessionAsync(SessionId, SessionReleaseContext)"/>.
/// </summary>
public sealed class SessionReleaseContext
{
    private readonly List<(string Member, int Count)> _removed = new();
    private readonly List<(string Member, Exception Error)> _failures = new();

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
            _removed.Add((member, count));
        }
    }

    /// <summary>Records that releasing a value of <paramref name="member"/> failed with <paramref name="error"/>.</summary>
    public void Failed(string member, Exception error)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(error);
        _failures.Add((member, error));
    }

    /// <summary>Entries removed, per member, in the order reported (members with nothing removed are left out).</summary>
    public IReadOnlyList<(string Member, int Count)> Removed => _removed;

    /// <summary>Failures, per member, in the order reported.</summary>
    public IReadOnlyList<(string Member, Exception Error)> Failures => _failures;

    internal void Clear()
    {
        _removed.Clear();
        _failures.Clear();
    }
}
