using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Load;
using SessionGuard.VoiceGateway.Pipeline;

namespace SessionGuard.VoiceGateway.Figures;

/// <summary>
/// Takes the chart's points while the load runs: each time another share of the clients has finished, the managed
/// heap after a full collection, the pipeline's live map entries and the p99 close round trip since the last point.
/// </summary>
internal sealed class RunSampler
{
    private readonly IGatewayPipeline _pipeline;
    private readonly LoadMonitor _monitor;
    private readonly int _total;
    private readonly int _step;
    private readonly List<RunSample> _samples = new();
    private int _roundTripsSeen;
    private readonly Func<BufferPoolBytes> _pools;
    private RunSample? _atTenth;

    /// <param name="pools">Reads what the buffer pools hold at each point (none read when null).</param>
    public RunSampler(IGatewayPipeline pipeline, LoadMonitor monitor, int totalClients, int points, Func<BufferPoolBytes>? pools = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalClients);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(points);
        _pipeline = pipeline;
        _monitor = monitor;
        _total = totalClients;
        _pools = pools ?? (static () => default);
        _step = Math.Max(1, totalClients / points);
    }

    /// <summary>The clients finished when the heap is measured for the tenth mark (at least one).</summary>
    public int TenthMark => Math.Max(1, _total / 10);

    /// <summary>Polls the finished count and samples at each step, until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        int next = _step;
        while (!cancellationToken.IsCancellationRequested)
        {
            int completed = _monitor.Completed;
            if (_atTenth is null && completed >= TenthMark)
            {
                _atTenth = Sample();
                next = Math.Max(next, _atTenth.SessionsCompleted + 1);
            }
            else if (completed >= next && completed < _total)
            {
                RunSample sample = Sample();
                next = sample.SessionsCompleted - (sample.SessionsCompleted % _step) + _step;
            }

            try
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Takes one point now (the last one once the server has settled).</summary>
    public RunSample Sample()
    {
        long heap = GC.GetTotalMemory(forceFullCollection: true);
        int completed = _monitor.Completed;
        GatewayResiduals residuals = _pipeline.MeasureResiduals();
        LoadMonitor.RoundTrip[] recent = _monitor.RoundTripsSince(_roundTripsSeen);
        _roundTripsSeen += recent.Length;
        var sample = new RunSample(
            completed,
            heap,
            residuals.MapEntries + residuals.PendingOperations,
            recent.Length == 0 ? null : Percentiles.Of(recent.Select(r => r.Ms)).P99Ms)
        {
            Pools = _pools(),
        };
        _samples.Add(sample);
        return sample;
    }

    /// <summary>The run's figures: <paramref name="end"/> is the point taken after the server settled.</summary>
    public RunFigures Figures(RunSample end, int sessions, long threadPoolQueue)
    {
        ArgumentNullException.ThrowIfNull(end);
        int tenth = Math.Max(1, sessions / 10);
        LoadMonitor.RoundTrip[] all = _monitor.RoundTripsSince(0);
        RunSample atTenth = _atTenth ?? end;
        return new RunFigures(
            end.SessionsCompleted,
            atTenth.HeapBytes,
            atTenth.SessionsCompleted,
            end.HeapBytes,
            Percentiles.Of(all.Where(r => r.Client < tenth).Select(r => r.Ms)),
            Percentiles.Of(all.Where(r => r.Client >= sessions - tenth && r.Client < sessions).Select(r => r.Ms)),
            threadPoolQueue,
            _samples.ToArray())
        {
            PoolsAtTenth = atTenth.Pools,
            PoolsEnd = end.Pools,
        };
    }
}
