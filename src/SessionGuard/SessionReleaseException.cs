using System;
using System.Collections.Generic;

namespace SessionGuard;

/// <summary>
/// Thrown by <see cref="ISessionScoped.ReleaseSessionAsync(SessionId)"/> when every entry was removed but
/// disposing one or more of the removed values failed.
/// </summary>
public sealed class SessionReleaseException : AggregateException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="session">The session being released.</param>
    /// <param name="entriesRemoved">How many entries were removed despite the failures.</param>
    /// <param name="failures">The disposal failures.</param>
    public SessionReleaseException(SessionId session, int entriesRemoved, IEnumerable<Exception> failures)
        : base($"Releasing session '{session}' removed {entriesRemoved} entries, but disposing some of them failed.", failures)
    {
        Session = session;
        EntriesRemoved = entriesRemoved;
    }

    /// <summary>The session being released.</summary>
    public SessionId Session { get; }

    /// <summary>How many entries were removed.</summary>
    public int EntriesRemoved { get; }
}
