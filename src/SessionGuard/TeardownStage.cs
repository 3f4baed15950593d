namespace SessionGuard;

/// <summary>The step of a session's teardown where something went wrong.</summary>
public enum TeardownStage
{
    /// <summary>Cancelling the session's <see cref="Session.Ending"/> token (a registered callback threw).</summary>
    Cancel = 0,

    /// <summary>Waiting for the session's tasks (a task missed <see cref="SessionRegistryOptions.TaskDrainTimeout"/>).</summary>
    DrainTasks = 1,

    /// <summary>Disposing a resource given to <see cref="Session.Own{T}(T)"/>.</summary>
    DisposeResources = 2,

    /// <summary>Deleting a file made by <see cref="Session.CreateTempFile"/>.</summary>
    DeleteTempFiles = 3,

    /// <summary>An owner's <see cref="ISessionScoped.ReleaseSessionAsync(SessionId, SessionReleaseContext)"/>.</summary>
    ReleaseOwners = 4,

    /// <summary>A handler of <see cref="SessionRegistry.SessionEnded"/>.</summary>
    Publish = 5,
}
