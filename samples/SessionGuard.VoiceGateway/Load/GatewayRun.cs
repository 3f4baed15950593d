using System;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Server;

namespace SessionGuard.VoiceGateway.Load;

/// <summary>Starts a server, puts the load on it over loopback, waits for it to settle and measures what it left.</summary>
internal static class GatewayRun
{
    /// <summary>How long to wait, after the last client, for the server's work to finish and its sessions to end.</summary>
    public static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

    public static async Task<GatewayRunResult> RunAsync(GatewayMode mode, GatewayServerOptions server, LoadOptions load, CancellationToken cancellationToken = default)
    {
        await using GatewayServer gateway = await GatewayServer.StartAsync(mode, server, cancellationToken).ConfigureAwait(false);
        LoadResult result = await LoadDriver.RunAsync(gateway.VoiceUrl, load, cancellationToken).ConfigureAwait(false);
        bool settled = await SettleAsync(gateway, cancellationToken).ConfigureAwait(false);

        // Measured before the host stops: its shutdown ends every guarded session and would hide a leak.
        var counters = gateway.Pipeline.Counters;
        long tasks = gateway.RunningHandlers + (counters.Utterances - counters.UtterancesSettled);
        var residuals = gateway.Pipeline.MeasureResiduals();
        long heap = GC.GetTotalMemory(forceFullCollection: true);
        return new GatewayRunResult(mode, result, settled, counters, residuals, gateway.OpenSockets, tasks, heap);
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
            && (gateway.Mode == GatewayMode.Naive || gateway.Pipeline.MeasureResiduals().Connections == 0);
    }
}
