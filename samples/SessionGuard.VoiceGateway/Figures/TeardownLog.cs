using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace SessionGuard.VoiceGateway.Figures;

/// <summary>
/// Collects the registry's <see cref="SessionTeardownReport"/>s through its public <see cref="SessionRegistry.SessionEnded"/>
/// event, as an application would for its dashboards.
/// </summary>
internal sealed class TeardownLog
{
    private readonly Lock _gate = new();
    private readonly List<(SessionEndReason Reason, double Ms, int MissedDrain)> _reports = new();

    /// <summary>The handler to add to <see cref="SessionRegistry.SessionEnded"/>.</summary>
    public void OnSessionEnded(object? sender, SessionTeardownReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (_gate)
        {
            _reports.Add((report.Reason, report.Elapsed.TotalMilliseconds, report.TasksMissedDrain));
        }
    }

    /// <summary>Sessions ended so far.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _reports.Count;
            }
        }
    }

    public TeardownSummary Summarize()
    {
        (SessionEndReason Reason, double Ms, int MissedDrain)[] reports;
        lock (_gate)
        {
            reports = _reports.ToArray();
        }

        var byReason = reports.GroupBy(r => r.Reason).ToDictionary(g => g.Key, g => g.Count());
        return new TeardownSummary(byReason, Percentiles.Of(reports.Select(r => r.Ms)), reports.Sum(r => r.MissedDrain));
    }
}

/// <summary>What the registry's teardowns did over a run.</summary>
/// <param name="EndedByReason">Sessions ended, per reason.</param>
/// <param name="Duration">Teardown durations (each report's <see cref="SessionTeardownReport.Elapsed"/>).</param>
/// <param name="TasksMissedDrain">Session tasks still running after the drain timeout, all sessions together.</param>
internal sealed record TeardownSummary(IReadOnlyDictionary<SessionEndReason, int> EndedByReason, Percentiles Duration, int TasksMissedDrain)
{
    public int Ended => EndedByReason.Values.Sum();
}
