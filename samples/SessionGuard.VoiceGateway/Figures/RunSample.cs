namespace SessionGuard.VoiceGateway.Figures;

/// <summary>One point of a run's chart, taken when <paramref name="SessionsCompleted"/> clients had finished.</summary>
/// <param name="HeapBytes">The managed heap after a full collection.</param>
/// <param name="LiveEntries">Entries in the pipeline's per-session maps, pending translations included.</param>
/// <param name="RoundTripP99Ms">The 99th percentile of the close round trips measured since the previous point; null when none was.</param>
internal sealed record RunSample(int SessionsCompleted, long HeapBytes, int LiveEntries, double? RoundTripP99Ms)
{
    /// <summary>Of <see cref="HeapBytes"/>, what the process's buffer pools held (rented or idle) at that point.</summary>
    public BufferPoolBytes Pools { get; init; }
}
