using System;

namespace SessionGuard;

/// <summary>
/// Thrown by <see cref="SessionRegistry.Open"/> and <see cref="SessionRegistry.GetOrOpen"/> when
/// <see cref="SessionRegistryOptions.MaxSessions"/> sessions are active and the policy is <see cref="SessionOverflowPolicy.Reject"/>,
/// and by integrations that keep a cap of their own (such as a cluster-wide one); the message names the cap's option.
/// </summary>
public sealed class SessionLimitExceededException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="session">The session that could not be opened.</param>
    /// <param name="maxSessions">The cap in force.</param>
    public SessionLimitExceededException(SessionId session, int maxSessions)
        : base($"Cannot open session '{session}': {maxSessions} sessions are already active (SessionRegistryOptions.MaxSessions) and the overflow policy is Reject.")
    {
        Session = session;
        MaxSessions = maxSessions;
    }

    /// <summary>Creates the exception with a message of its own, for a cap other than the registry's (a cluster-wide one).</summary>
    /// <param name="session">The session that could not be opened.</param>
    /// <param name="maxSessions">The cap in force.</param>
    /// <param name="message">The message; it names the cap's option.</param>
    public SessionLimitExceededException(SessionId session, int maxSessions, string message)
        : base(message)
    {
        Session = session;
        MaxSessions = maxSessions;
    }

    /// <summary>The session that could not be opened.</summary>
    public SessionId Session { get; }

    /// <summary>The cap in force.</summary>
    public int MaxSessions { get; }
}
