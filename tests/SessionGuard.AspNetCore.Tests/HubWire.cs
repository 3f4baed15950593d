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
        var closed = connection.WhenClosed();
        Exception? error;
        try
        {
            await connection.StartAsync().WaitAsync(TestHost.Bound);
            error = await closed.WaitAsync(TestHost.Bound);
        }
        catch (Exception ex)
        {
            // Whichever came first: a close the client saw before the start failed carries the server's reason.
            error = closed.IsCompleted ? closed.Result : ex;
        }

        return error ?? throw new InvalidOperationException("The connection closed without an error: it was not refused.");
    }

    /// <summary>Completes with the error the connection closed with (null for a clean close) when it next closes.</summary>
    public static Task<Exception?> WhenClosed(this HubConnection connection)
    {
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };
        return closed.Task;
    }
}
