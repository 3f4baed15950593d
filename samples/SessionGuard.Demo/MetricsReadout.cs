using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;

namespace SessionGuard.Demo;

/// <summary>
/// Creates the registry's meters (so this readout sees this registry's instruments only, not those of any other
/// registry in the process) and reads them back with a <see cref="MeterListener"/>, as an exporter would: counters
/// summed per instrument and tag, the owner-entries gauge observed on demand.
/// </summary>
internal sealed class MetricsReadout : IMeterFactory
{
    private readonly MeterListener _listener = new();
    private readonly List<Meter> _meters = new();
    private readonly SortedDictionary<string, double> _totals = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public MetricsReadout()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, this) && instrument.Meter.Name == SessionGuardMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments (the owner-entries gauge) now.</summary>
    public void ObserveOwnerEntries() => _listener.RecordObservableInstruments();

    public IEnumerable<string> Lines()
    {
        lock (_gate)
        {
            return _totals.Select(p => $"{p.Key} = {p.Value:0.###}").ToList();
        }
    }

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        lock (_gate)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        _listener.Dispose();
        lock (_gate)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string name = instrument.Name;
        if (instrument is Histogram<double>)
        {
            name += " (count)";
            value = 1;
        }

        if (tags.Length > 0)
        {
            var parts = new List<string>();
            foreach (var tag in tags)
            {
                parts.Add($"{tag.Key}={tag.Value}");
            }

            name += " {" + string.Join(", ", parts) + "}";
        }

        lock (_gate)
        {
            if (instrument.GetType().Name.StartsWith("ObservableGauge", StringComparison.Ordinal))
            {
                _totals[name + " (observed before shutdown)"] = value;
            }
            else
            {
                _totals[name] = _totals.GetValueOrDefault(name) + value;
            }
        }
    }
}
