namespace SessionGuard;

/// <summary>The names of SessionGuard's metrics, all on the meter <see cref="MeterName"/>.</summary>
public static class SessionGuardMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "SessionGuard";

    /// <summary>Sessions active now (up-down counter).</summary>
    public const string ActiveSessions = "sessionguard.sessions.active";

    /// <summary>Sessions opened (counter).</summary>
    public const string SessionsOpened = "sessionguard.sessions.opened";

    /// <summary>Sessions ended, tagged <c>reason</c> (counter).</summary>
    public const string SessionsEnded = "sessionguard.sessions.ended";

    /// <summary>Teardown duration in seconds, tagged <c>reason</c> (histogram).</summary>
    public const string TeardownDuration = "sessionguard.session.teardown.duration";

    /// <summary>Session tasks running now (up-down counter).</summary>
    public const string TasksRunning = "sessionguard.tasks.running";

    /// <summary>Session tasks that faulted (counter).</summary>
    public const string TasksFaulted = "sessionguard.tasks.faulted";

    /// <summary>Session tasks still running after the drain timeout (counter).</summary>
    public const string TasksUndrained = "sessionguard.tasks.undrained";

    /// <summary>Teardown failures, tagged <c>stage</c> (counter).</summary>
    public const string TeardownFailures = "sessionguard.teardown.failures";

    /// <summary>Live entries per owner member, tagged <c>owner</c> and <c>member</c> (observable gauge).</summary>
    public const string OwnerEntries = "sessionguard.owner.entries";
}
