using System;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Figures;
using SessionGuard.VoiceGateway.Guarded;
using SessionGuard.VoiceGateway.Server;

namespace SessionGuard.VoiceGateway.Load;

/// <summary>Starts a server, puts the load on it over loopback, waits for it to settle and measures what it left.</summary>
internal static class GatewayRun
{
    /// <summary>How long to wait, after the last client, for the server's work to finish and its sessions to end.</summary>
    public static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Points taken on the chart over a run (each after a full collection).</summary>
    public const int ChartPoints = 20;

    public static Task<GatewayRunResult> RunAsync(GatewayMode mode, GatewayServerOptions server, LoadOptions load, CancellationToken cancellationToken = default) =>
        RunAsync(mode, server, load, new LoadMonitor(), cancellationToken);

    /// <summary>Runs the load; <paramref name="monitor"/> shows the clients finishing (for a progress bar).</summary>
    public static async Task<GatewayRunResult> RunAsync(GatewayMode mode, GatewayServerOptions server, LoadOptions load, LoadMonitor monitor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(monitor);
        SharedArrayPoolMeter arrayPool = SharedArrayPoolMeter.Instance;
        using var kestrelPool = new KestrelPoolMeter(); // before the server: it counts its pool from empty
        await using GatewayServer gateway = await GatewayServer.StartAsync(mode, server, cancellationToken).ConfigureAwait(false);
        var sampler = new RunSampler(
            gateway.Pipeline,
            monitor,
            load.Sessions + load.StormClients,
            ChartPoints,
            () => new BufferPoolBytes(arrayPool.HeldBytes, kestrelPool.PooledBytes));
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task sampling = sampler.RunAsync(stopSampling.Token);
        LoadResult result;
        try
        {
            result = await LoadDriver.RunAsync(gateway.VoiceUrl, load, monitor, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stopSampling.CancelAsync().ConfigureAwait(false);
            await sampling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        bool settled = await SettleAsync(gateway, cancellationToken).ConfigureAwait(false);

        // Measured before the host stops: its shutdown ends every guarded session and would hide a leak.
        var counters = gateway.Pipeline.Counters;
        long tasks = gateway.RunningHandlers + (counters.Utterances - counters.UtterancesSettled);
        var residuals = gateway.Pipeline.MeasureResiduals();
        RunSample end = sampler.Sample();
        long queue = ThreadPool.PendingWorkItemCount;
        RunFigures figures = sampler.Figures(end, load.Sessions, queue);
        TeardownSummary? teardown = (gateway.Pipeline as GuardedPipeline)?.Teardowns.Summarize();
        return new GatewayRunResult(mode, result, settled, counters, residuals, gateway.OpenSockets, tasks, end.HeapBytes)
        {
            Figures = figures,
            Teardown = teardown,
            ProcessId = Environment.ProcessId,
        };
    }

    /// <summary>
    /// Waits (bounded) until every handler returned and every utterance's work finished; for the guarded server also
    /// until every session ended (dropped ones after the reconnect grace, stalled ones at idle expiry). The naive
    /// server's connections never end on their own: that is the leak being shown.
    /// </summary>
    private static async Task<bool> SettleAsync(GatewayServer gateway, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(SettleTimeout);
        while (!IsSettled(gateway))
        {
            try
            {
                await Task.Delay(20, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsSettled(GatewayServer gateway)
    {
        var counters = gateway.Pipeline.Counters;
        return gateway.RunningHandlers == 0
            && counters.UtterancesSettled >= counters.Utterances
            && (gateway.Mode == GatewayMode.Naive
                || (gateway.Pipeline.MeasureResiduals().Connections == 0 && counters.Ended >= counters.Opened)); // the report follows the removal
    }
}
