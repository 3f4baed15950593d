namespace SessionGuard.Analyzers;

/// <summary>How a read of a task local treats the task.</summary>
internal enum TaskLocalUse
{
    /// <summary>Awaited, returned, stored, passed on, blocked on, inspected: the task is observed.</summary>
    Observe,

    /// <summary>Compared, logged as an object, discarded: the task is still nobody's.</summary>
    Neutral,
}
