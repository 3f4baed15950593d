using System;
using System.IO;
using System.Threading;

namespace SessionGuard;

/// <summary>Settings of a <see cref="SessionRegistry"/>.</summary>
public sealed class SessionRegistryOptions
{
    /// <summary>The most sessions active at once. Default 1000.</summary>
    public int MaxSessions { get; set; } = 1000;

    /// <summary>What happens to an <see cref="SessionRegistry.Open"/> beyond <see cref="MaxSessions"/>. Default <see cref="SessionOverflowPolicy.EvictIdlest"/>.</summary>
    public SessionOverflowPolicy OverflowPolicy { get; set; } = SessionOverflowPolicy.EvictIdlest;

    /// <summary>
    /// A session with no activity for this long is ended with <see cref="SessionEndReason.IdleExpired"/> by the next sweep.
    /// Default 5 minutes; <see cref="Timeout.InfiniteTimeSpan"/> disables idle expiry.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often the registry sweeps for idle sessions, on its <see cref="TimeProvider"/>. Default 30 seconds;
    /// <see cref="Timeout.InfiniteTimeSpan"/> disables the timer (<see cref="SessionRegistry.SweepAsync"/> still works).
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long teardown waits for a session's running tasks, counted from the start of the teardown: cancelling
    /// <see cref="Session.Ending"/> (its callbacks and the continuations they run inline) and the wait for the tasks
    /// share it. A cancel that has not returned by then is reported and the teardown goes on without it. Default 2 seconds.
    /// </summary>
    public TimeSpan TaskDrainTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long teardown waits for each owned resource's disposal, the synchronous <c>Dispose</c> or <c>DisposeAsync</c>
    /// call included (and for each temp file's deletion). A call that overruns it is reported as a
    /// <see cref="TimeoutException"/> and the teardown goes on without it. Default 2 seconds.
    /// </summary>
    public TimeSpan DisposeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long teardown waits for each owner's <see cref="ISessionScoped.ReleaseSessionAsync(SessionId, SessionReleaseContext)"/>,
    /// the work it does before returning its task included. An owner that overruns it is reported as a
    /// <see cref="TimeoutException"/> and the teardown goes on to the next owner. Default 2 seconds.
    /// </summary>
    public TimeSpan OwnerReleaseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The folder under which <see cref="Session.CreateTempFile"/> creates this process's temp folder.
    /// Default null: the system temp path. A relative path resolves against the current directory when the registry is
    /// built. The registry creates the folder when it is built if it does not exist; a path that is a file, holds an
    /// invalid path character or cannot be created fails then with an <see cref="ArgumentException"/> naming
    /// <c>TempRoot</c>.
    /// </summary>
    public string? TempRoot { get; set; }

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the exception names it.</exception>
    /// <exception cref="ArgumentException"><see cref="TempRoot"/> holds an invalid path character.</exception>
    public void Validate()
    {
        if (MaxSessions <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSessions), MaxSessions, "MaxSessions must be positive.");
        }

        if (!Enum.IsDefined(OverflowPolicy))
        {
            throw new ArgumentOutOfRangeException(nameof(OverflowPolicy), OverflowPolicy, "OverflowPolicy must be EvictIdlest or Reject.");
        }

        CheckTime(IdleTimeout, nameof(IdleTimeout), allowInfinite: true);
        CheckTime(SweepInterval, nameof(SweepInterval), allowInfinite: true);
        CheckTime(TaskDrainTimeout, nameof(TaskDrainTimeout), allowInfinite: false);
        CheckTime(DisposeTimeout, nameof(DisposeTimeout), allowInfinite: false);
        CheckTime(OwnerReleaseTimeout, nameof(OwnerReleaseTimeout), allowInfinite: false);
        if (TempRoot is not null && TempRoot.Trim().Length == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TempRoot), DisplayText.Quote(TempRoot), "TempRoot must be null (the system temp path) or a folder path.");
        }

        if (TempRoot is not null && TempRoot.IndexOfAny(Path.GetInvalidPathChars()) is int bad and >= 0)
        {
            throw new ArgumentException($"TempRoot {DisplayText.Quote(TempRoot)} holds an invalid path character, U+{(int)TempRoot[bad]:X4} at index {bad}.", nameof(TempRoot));
        }
    }

    internal SessionRegistryOptions Clone() => (SessionRegistryOptions)MemberwiseClone();

    private static void CheckTime(TimeSpan value, string name, bool allowInfinite)
    {
        if (allowInfinite && value == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        if (value == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, $"{name} must be finite: Timeout.InfiniteTimeSpan is not allowed here, as a teardown would wait forever; use a positive time of at most about 49 days.");
        }

        if (value <= TimeSpan.Zero || value.TotalMilliseconds > uint.MaxValue - 1)
        {
            string infinite = allowInfinite ? ", or Timeout.InfiniteTimeSpan to disable it" : string.Empty;
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and at most about 49 days{infinite}.");
        }
    }
}
