using System;
using System.Collections.Generic;
using System.Text;

namespace SessionGuard;

/// <summary>What the teardown of one session did.</summary>
public sealed class SessionTeardownReport
{
    internal SessionTeardownReport(
        SessionId sessionId,
        SessionEndReason reason,
        int tasksStarted,
        int tasksFaulted,
        int tasksCancelled,
        IReadOnlyList<string> undrainedTasks,
        IReadOnlyList<OwnerEntriesRemoved> entriesRemoved,
        int resourcesDisposed,
        int tempFilesDeleted,
        IReadOnlyList<TeardownFailure> failures,
        TimeSpan elapsed)
    {
        SessionId = sessionId;
        Reason = reason;
        TasksStarted = tasksStarted;
        TasksFaulted = tasksFaulted;
        TasksCancelled = tasksCancelled;
        UndrainedTasks = undrainedTasks;
        EntriesRemovedByMember = entriesRemoved;
        ResourcesDisposed = resourcesDisposed;
        TempFilesDeleted = tempFilesDeleted;
        Failures = failures;
        Elapsed = elapsed;
        int total = 0;
        foreach (var entry in entriesRemoved)
        {
            total += entry.Count;
        }

        EntriesRemoved = total;
    }

    /// <summary>The session.</summary>
    public SessionId SessionId { get; }

    /// <summary>Why it ended.</summary>
    public SessionEndReason Reason { get; }

    /// <summary>Tasks started with <see cref="Session.Run"/> over the session's life.</summary>
    public int TasksStarted { get; }

    /// <summary>Tasks that faulted (their exceptions were logged), over the session's life and during the drain.</summary>
    public int TasksFaulted { get; }

    /// <summary>Tasks still running when the session began ending, whose token was therefore cancelled.</summary>
    public int TasksCancelled { get; }

    /// <summary>How many of the cancelled tasks were still running after <see cref="SessionRegistryOptions.TaskDrainTimeout"/>.</summary>
    public int TasksMissedDrain => UndrainedTasks.Count;

    /// <summary>The names of the tasks that missed the drain timeout (left running; never awaited forever).</summary>
    public IReadOnlyList<string> UndrainedTasks { get; }

    /// <summary>Entries removed from all owners together.</summary>
    public int EntriesRemoved { get; }

    /// <summary>Entries removed, per owner and member (members that held nothing for the session are left out).</summary>
    public IReadOnlyList<OwnerEntriesRemoved> EntriesRemovedByMember { get; }

    /// <summary>Owned resources disposed without error.</summary>
    public int ResourcesDisposed { get; }

    /// <summary>Temp files deleted.</summary>
    public int TempFilesDeleted { get; }

    /// <summary>Everything that failed or timed out; teardown went on past each.</summary>
    public IReadOnlyList<TeardownFailure> Failures { get; }

    /// <summary>How long the teardown took, on the registry's <see cref="TimeProvider"/>.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>True when nothing failed and every task drained in time.</summary>
    public bool IsClean => Failures.Count == 0 && UndrainedTasks.Count == 0;

    /// <summary>A one-paragraph human-readable summary.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("session ").Append(SessionId.ToString()).Append(" ended (").Append(Reason).Append(") in ")
          .Append(Elapsed.TotalMilliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)).Append(" ms: ")
          .Append(Counted(TasksStarted, "task", "tasks")).Append(" started, ")
          .Append(TasksCancelled).Append(" cancelled, ")
          .Append(TasksFaulted).Append(" faulted, ")
          .Append(TasksMissedDrain).Append(" missed the drain; ")
          .Append(Counted(ResourcesDisposed, "resource", "resources")).Append(" disposed; ")
          .Append(Counted(TempFilesDeleted, "temp file", "temp files")).Append(" deleted; ")
          .Append(Counted(EntriesRemoved, "entry", "entries")).Append(" removed");
        if (EntriesRemovedByMember.Count > 0)
        {
            sb.Append(" (");
            for (int i = 0; i < EntriesRemovedByMember.Count; i++)
            {
                var e = EntriesRemovedByMember[i];
                if (i > 0)
                {
                    sb.Append(", ");
                }

                sb.Append(e.Owner).Append('.').Append(e.Member).Append('=').Append(e.Count);
            }

            sb.Append(')');
        }

        sb.Append("; ").Append(Counted(Failures.Count, "failure", "failures"));
        foreach (var name in UndrainedTasks)
        {
            sb.AppendLine().Append("  undrained task: ").Append(name);
        }

        foreach (var failure in Failures)
        {
            sb.AppendLine().Append("  failure: ").Append(failure);
        }

        return sb.ToString();
    }

    private static string Counted(int count, string one, string many) =>
        count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + (count == 1 ? one : many);
}
