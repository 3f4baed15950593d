namespace SessionGuard;

/// <summary>What <see cref="SessionRegistry.Open"/> does when <see cref="SessionRegistryOptions.MaxSessions"/> sessions are already active.</summary>
public enum SessionOverflowPolicy
{
    /// <summary>
    /// End the least recently active session (reason <see cref="SessionEndReason.Evicted"/>) to make room. Finding it
    /// costs amortized O(log n) in the live sessions, and nothing is added to <see cref="Session.Touch"/>.
    /// </summary>
    EvictIdlest = 0,

    /// <summary>Refuse the new session with <see cref="SessionLimitExceededException"/>.</summary>
    Reject = 1,
}
