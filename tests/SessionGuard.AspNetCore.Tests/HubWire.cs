using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.SignalR.Client;

namespace SessionGuard.AspNetCore.Tests;

internal static class HubWire
{
    /// <summary>
    /// Starts a hub connection the server is expected to refuse and returns the error the client saw (bounded). The
    /// handshake completes before the hub filter runs, so the refusal may fail the start or close the connection after it.
    /// </summary>
    public static async Task<Exception> StartRefusedAsync(this HubConnection connection)
    {
        var refused = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += e =>
        {
            refused.TrySetResult(e);
            return Task.CompletedTask;
        };
        try
        {
            await connection.StartAsync().WaitAsync(TestHost.Bound);
        }
        catch (Exception ex)
        {
            refused.TrySetResult(ex);
        }

        var error = await refused.Task.WaitAsync(TestHost.Bound);
        return error ?? throw new InvalidOperationException("The connection closed without an error: it was not refused.");
    }
}
