using System;
using System.Net.WebSockets;
using System.Threading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SessionGuard.VoiceGateway.Naive;
using SessionGuard.VoiceGateway.Pipeline;

namespace SessionGuard.VoiceGateway.Server;

internal sealed partial class GatewayServer
{
    /// <summary>
    /// The handler the post-mortems' servers had: accept, register the client, loop over its messages, clean up after
    /// the loop. A reset connection throws out of the loop, and the cleanup is never reached.
    /// </summary>
    private static GatewayServer BuildNaive(WebApplicationBuilder builder, GatewayServerOptions options)
    {
        WebApplication app = builder.Build();
        var pipeline = new NaivePipeline(options.Pipeline);
        var server = new GatewayServer(GatewayMode.Naive, app, pipeline);

        app.UseWebSockets();
        app.Map("/voice/{client}", async (HttpContext http, string client) =>
        {
            if (!http.WebSockets.IsWebSocketRequest)
            {
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using WebSocket socket = await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            server.OnAccepted(socket);
            try
            {
                var sendLock = new SemaphoreSlim(1, 1);
                async System.Threading.Tasks.ValueTask Send(string text, CancellationToken ct) =>
                    await FramePump.SendTextAsync(socket, sendLock, text, ct).ConfigureAwait(false);

                IGatewayConnection connection = pipeline.Connect(client, Send);
                try
                {
                    await FramePump.ReceiveUntilCloseAsync(socket, connection, http.RequestAborted).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                    // The connection was reset: the host logs it; the handler's read fails, its cleanup is skipped.
                    await connection.AbortAsync().ConfigureAwait(false);
                    return;
                }

                await connection.CloseAsync().ConfigureAwait(false);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                server.OnHandlerEnded();
            }
        });
        return server;
    }
}
