using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace SessionGuard;

/// <summary>The registry's instruments on the <c>SessionGuard</c> meter (see <see cref="SessionGuardMetrics"/> for their names).</summary>
internal sealed class RegistryInstruments : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public RegistryInstruments(IMeterFactory? meterFactory, Func<IEnumerable<Measurement<long>>> observeEntries)
    {
        if (meterFactory is null)
        {
            _meter = new Meter(SessionGuardMetrics.MeterName);
            _ownsMeter = true;
        }
        else
        {
            _meter = meterFactory.Create(SessionGuardMetrics.MeterName);
        }

        Active = _meter.CreateUpDownCounter<long>(SessionGuardMetrics.ActiveSessions, "{session}", "Sessions active now.");
        Opened = _meter.CreateCounter<long>(SessionGuardMetrics.SessionsOpened, "{session}", "Sessions opened.");
        Ended = _meter.CreateCounter<long>(SessionGuardMetrics.SessionsEnded, "{session}", "Sessions ended, by reason.");
        TeardownDuration = _meter.CreateHistogram<double>(SessionGuardMetrics.TeardownDuration, "s", "Duration of a session's teardown.");
        TasksRunning = _meter.CreateUpDownCounter<long>(SessionGuardMetrics.TasksRunning, "{task}", "Session tasks running now.");
        TasksFaulted = _meter.CreateCounter<long>(SessionGuardMetrics.TasksFaulted, "{task}", "Session tasks that faulted.");
        TasksUndrained = _meter.CreateCounter<long>(SessionGuardMetrics.TasksUndrained, "{task}", "Session tasks still running after the drain timeout.");
        TeardownFailures = _meter.CreateCounter<long>(SessionGuardMetrics.TeardownFailures, "{failure}", "Teardown failures, by stage.");
        _meter.CreateObservableGauge(SessionGuardMetrics.OwnerEntries, observeEntries, "{entry}", "Live per-session entries per owner member.");
    }

    public Meter Meter => _meter;

    public UpDownCounter<long> Active { get; }

    public Counter<long> Opened { get; }

    public Counter<long> Ended { get; }

    public Histogram<double> TeardownDuration { get; }

    public UpDownCounter<long> TasksRunning { get; }

    public Counter<long> TasksFaulted { get; }

    public Counter<long> TasksUndrained { get; }

    public Counter<long> TeardownFailures { get; }

    public static KeyValuePair<string, object?> ReasonTag(SessionEndReason reason) => new("reason", reason switch
    {
        SessionEndReason.Closed => "closed",
        SessionEndReason.IdleExpired => "idle_expired",
        SessionEndReason.Evicted => "evicted",
        SessionEndReason.Shutdown => "shutdown",
        SessionEndReason.Disconnected => "disconnected",
        SessionEndReason.MovedToAnotherNode => "moved_to_another_node",
        SessionEndReason.NodeLost => "node_lost",
        _ => reason.ToString(),
    });

    public static KeyValuePair<string, object?> StageTag(TeardownStage stage) => new("stage", stage.ToString());

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
