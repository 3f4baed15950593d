using System.Collections.Generic;
using System.Globalization;
using SessionGuard.VoiceGateway.Figures;
using SessionGuard.VoiceGateway.Load;

namespace SessionGuard.VoiceGateway.Cli;

/// <summary>The goals the guarded server is held to, each with the measured figures and whether it was met.</summary>
internal static class GuardedGoals
{
    /// <summary>The most the end heap, or the last tenth's p99 round trip, may be over the tenth mark's, or the first tenth's.</summary>
    public const double Bound = 1.1;

    public static IReadOnlyList<Goal> Evaluate(GatewayRunResult guarded)
    {
        var f = guarded.Figures;
        bool clean = guarded.Residuals.IsClean && guarded.OpenSockets == 0 && guarded.RunningTasks == 0;
        return
        [
            new Goal(
                "nothing left behind (entries, temp files, sockets, tasks)",
                $"{ComparisonTable.N(guarded.Residuals.MapEntries + guarded.Residuals.PendingOperations)} entries, {ComparisonTable.N(guarded.Residuals.TempFiles)} temp files, {ComparisonTable.N(guarded.OpenSockets)} sockets, {ComparisonTable.N(guarded.RunningTasks)} tasks",
                clean),
            new Goal(
                "heap at the end <= 1.1 x heap at 10 %",
                $"{ComparisonTable.Bytes(f.HeapEndBytes)} vs {ComparisonTable.Bytes(f.HeapAtTenthBytes)} ({Ratio(f.HeapRatio)})" + OfWhichPools(f),
                f.HeapRatio <= Bound),
            new Goal(
                "p99 round trip of the last 10 % <= 1.1 x the first 10 %",
                f.FirstTenth.Count == 0 || f.LastTenth.Count == 0
                    ? "not measured (no client of a window closed cleanly)"
                    : $"{ComparisonTable.Ms(f.LastTenth.P99Ms)} vs {ComparisonTable.Ms(f.FirstTenth.P99Ms)} ({Ratio(f.RoundTripP99Ratio)})",
                f.RoundTripP99Ratio <= Bound),
        ];
    }

    /// <summary>How much of the two heaps the process's buffer pools held, and how the rest moved (not the goal).</summary>
    private static string OfWhichPools(RunFigures f) => f.PoolsEnd.Total == 0 && f.PoolsAtTenth.Total == 0
        ? string.Empty
        : $"; buffer pools held {ComparisonTable.Bytes(f.PoolsEnd.Total)} and {ComparisonTable.Bytes(f.PoolsAtTenth.Total)} of them (ArrayPool {ComparisonTable.Bytes(f.PoolsEnd.ArrayPool)} and {ComparisonTable.Bytes(f.PoolsAtTenth.ArrayPool)}, Kestrel {ComparisonTable.Bytes(f.PoolsEnd.Kestrel)} and {ComparisonTable.Bytes(f.PoolsAtTenth.Kestrel)}), the rest of the heap {Ratio(f.HeapRatioOutsidePools)}";

    private static string Ratio(double ratio) => double.IsNaN(ratio) ? "no ratio" : ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x";

    /// <summary>One goal: what it asks, what was measured, whether it was met.</summary>
    internal sealed record Goal(string Name, string Measured, bool Met);
}
