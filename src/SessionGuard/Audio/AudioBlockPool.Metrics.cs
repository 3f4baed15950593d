using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace SessionGuard.Audio;

// The gauges: the meter and the registry of live pools it observes.
public sealed partial class AudioBlockPool
{
    private static readonly object s_poolsLock = new();
    private static readonly List<WeakReference<AudioBlockPool>> s_pools = new();
    private static readonly Meter s_meter = CreateMeter();

    static AudioBlockPool()
    {
        GC.KeepAlive(s_meter);
    }

    private static Meter CreateMeter()
    {
        var meter = new Meter(SessionGuardMetrics.MeterName);
        meter.CreateObservableGauge(BlocksRentedMetric, () => Observe(static c => c.Rented), "{block}", "Audio blocks handed out now.");
        meter.CreateObservableGauge(BlocksFreeMetric, () => Observe(static c => c.Free.Count), "{block}", "Audio blocks allocated and free now.");
        meter.CreateObservableGauge(BlocksAllocatedMetric, () => Observe(static c => c.Allocated), "{block}", "Audio blocks allocated now.");
        return meter;
    }

    /// <summary>One measurement per pool and size class, tagged <c>pool</c> and <c>block_size</c>.</summary>
    private static List<Measurement<long>> Observe(Func<SizeClass, long> value)
    {
        var result = new List<Measurement<long>>();
        lock (s_poolsLock)
        {
            foreach (WeakReference<AudioBlockPool> w in s_pools)
            {
                if (w.TryGetTarget(out AudioBlockPool? pool))
                {
                    lock (pool._lock)
                    {
                        foreach (SizeClass sizeClass in pool.Classes())
                        {
                            result.Add(new Measurement<long>(
                                value(sizeClass),
                                new KeyValuePair<string, object?>("pool", pool.Name),
                                new KeyValuePair<string, object?>("block_size", sizeClass.BlockSize)));
                        }
                    }
                }
            }
        }

        return result;
    }
}
