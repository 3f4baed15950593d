using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Server;

namespace SessionGuard.VoiceGateway.Cli;

/// <summary><c>--serve</c>: one server on loopback for an external client, until stopped.</summary>
internal static class ServeCommand
{
    /// <summary>Starts the server, writes its URL to <paramref name="output"/>, and stops it when <paramref name="stop"/> is cancelled.</summary>
    public static async Task RunAsync(GatewayMode mode, GatewayServerOptions options, TextWriter output, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using GatewayServer server = await GatewayServer.StartAsync(mode, options, stop).ConfigureAwait(false);
        await output.WriteLineAsync($"{mode.ToString().ToLowerInvariant()} server listening at {server.VoiceUrl}{{client id}}").ConfigureAwait(false);
        await output.WriteLineAsync("Send 20 ms frames of 16 kHz 16-bit mono PCM as binary messages; translations come back as text messages. Ctrl+C stops it.").ConfigureAwait(false);
        await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl+C: the server stops below, ending every session.
        }
    }
}
