namespace SessionGuard.Redis;

/// <summary>What <see cref="RedisSessionCluster"/> does when a new session would pass <see cref="RedisSessionOptions.MaxSessionsPerCluster"/>.</summary>
public enum ClusterOverflowPolicy
{
    /// <summary>Refuse the new session with <see cref="SessionLimitExceededException"/>; nothing is opened.</summary>
    Reject = 0,

    /// <summary>
    /// End the session claimed longest ago, on whichever node holds it (reason <see cref="SessionEndReason.Evicted"/>), to make
    /// room. Its owner record and keys go at once; its node ends its copy at its next heartbeat or on the announcement.
    /// </summary>
    EvictOldest = 1,
}
