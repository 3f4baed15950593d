using System;
using System.Collections.Generic;
using System.Linq;

namespace SessionGuard.VoiceGateway.Figures;

/// <summary>The median and the 99th percentile (nearest rank) of a set of durations in milliseconds.</summary>
/// <param name="Count">How many durations; 0 leaves both percentiles at 0.</param>
internal readonly record struct Percentiles(int Count, double P50Ms, double P99Ms)
{
    public static Percentiles Of(IEnumerable<double> milliseconds)
    {
        ArgumentNullException.ThrowIfNull(milliseconds);
        double[] sorted = milliseconds.Order().ToArray();
        return sorted.Length == 0 ? default : new Percentiles(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.99));
    }

    /// <summary>The nearest-rank percentile: the smallest value with at least <paramref name="share"/> of the values at or below it.</summary>
    private static double Rank(double[] sorted, double share) =>
        sorted[Math.Clamp((int)Math.Ceiling(share * sorted.Length) - 1, 0, sorted.Length - 1)];
}
