using System.Collections.Generic;

namespace SessionGuard.VoiceGateway.Figures;

/// <summary>How a server's size and speed moved over a run.</summary>
/// <param name="SessionsCompleted">Clients that finished, the reconnect storm's included.</param>
/// <param name="HeapAtTenthBytes">The managed heap after a full collection when a tenth of the clients had finished.</param>
/// <param name="SessionsAtTenth">Clients finished when that heap was measured.</param>
/// <param name="HeapEndBytes">The managed heap after a full collection once the server had settled.</param>
/// <param name="FirstTenth">Close round trips of the first tenth of the clients (in the order they started; the storm is left out).</param>
/// <param name="LastTenth">Close round trips of the last tenth of the clients before the storm.</param>
/// <param name="ThreadPoolQueue">Work items queued to the thread pool once the server had settled.</param>
/// <param name="Samples">The chart's points, in order.</param>
internal sealed record RunFigures(
    int SessionsCompleted,
    long HeapAtTenthBytes,
    int SessionsAtTenth,
    long HeapEndBytes,
    Percentiles FirstTenth,
    Percentiles LastTenth,
    long ThreadPoolQueue,
    IReadOnlyList<RunSample> Samples)
{
    /// <summary>Of <see cref="HeapAtTenthBytes"/>, what the process's buffer pools held.</summary>
    public BufferPoolBytes PoolsAtTenth { get; init; }

    /// <summary>Of <see cref="HeapEndBytes"/>, what the process's buffer pools held.</summary>
    public BufferPoolBytes PoolsEnd { get; init; }

    public static RunFigures Empty { get; } = new(0, 0, 0, 0, default, default, 0, []);

    /// <summary>How much the heap grew per 1 000 clients between the tenth mark and the end.</summary>
    public double HeapGrowthPer1000Bytes => SessionsCompleted > SessionsAtTenth
        ? (HeapEndBytes - HeapAtTenthBytes) * 1000.0 / (SessionsCompleted - SessionsAtTenth)
        : 0;

    /// <summary>The end heap over the heap at the tenth mark (the guarded goal: at most 1.1).</summary>
    public double HeapRatio => HeapAtTenthBytes > 0 ? (double)HeapEndBytes / HeapAtTenthBytes : double.NaN;

    /// <summary>
    /// <see cref="HeapRatio"/> with what the buffer pools held taken out of both heaps: how the rest of the heap moved.
    /// Not the goal; it tells how much of a miss the pools are.
    /// </summary>
    public double HeapRatioOutsidePools => HeapAtTenthBytes - PoolsAtTenth.Total > 0
        ? (double)(HeapEndBytes - PoolsEnd.Total) / (HeapAtTenthBytes - PoolsAtTenth.Total)
        : double.NaN;

    /// <summary>The last tenth's p99 round trip over the first tenth's (the guarded goal: at most 1.1).</summary>
    public double RoundTripP99Ratio => FirstTenth.Count > 0 && LastTenth.Count > 0 && FirstTenth.P99Ms > 0 ? LastTenth.P99Ms / FirstTenth.P99Ms : double.NaN;
}
