using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SessionGuard.AspNetCore;
using SessionGuard.VoiceGateway.Guarded;

namespace SessionGuard.VoiceGateway.Server;

internal sealed partial class GatewayServer
{
    /// <summary>
    /// SessionGuard.AspNetCore's WebSocket endpoint, used as an application would: the client id in the route is the
    /// session id, a dropped client may come back within the grace, a duplicate connect replaces the old socket.
    /// </summary>
    private static GatewayServer BuildGuarded(WebApplicationBuilder builder, GatewayServerOptions options)
    {
        builder.Services.AddSessionGuardAspNetCore(o =>
        {
            o.MaxSessions = options.MaxSessions;
            o.IdleTimeout = options.IdleTimeout;
            o.TempRoot = options.TempRoot;
        });
        WebApplication app = builder.Build();
        var pipeline = new GuardedPipeline(app.Services.GetRequiredService<SessionRegistry>(), options.Pipeline);
        var server = new GatewayServer(GatewayMode.Guarded, app, pipeline);
        var bindings = new GuardedSocketBindings(pipeline);
        pipeline.Registry.Register(bindings); // for the server's lifetime: released per session at each teardown

        app.UseWebSockets();
        app.MapSessionWebSocket(
            "/voice/{client}",
            async (Session session, WebSocket socket, HttpContext http, CancellationToken ct) =>
            {
                server.OnAccepted(socket);
                try
                {
                    GuardedSocketBinding binding = bindings.Bind(session, socket);
                    await FramePump.ReceiveUntilCloseAsync(socket, binding.Connection, ct).ConfigureAwait(false);

                    // The client closed first (CloseReceived): its last utterance is cut and its results go out, then
                    // the handler returns and the session ends as Closed. When the server closed first (Closed: a
                    // duplicate connect replaced this socket, or the session is ending) the session's audio goes on,
                    // on the newer socket or not at all: draining here would end the stream under the newer socket.
                    // A lost connection throws above instead: the package keeps the session for the reconnect grace.
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await binding.Connection.DrainAsync().ConfigureAwait(false);
                    }
                }
                finally
                {
                    server.OnHandlerEnded();
                }
            },
            o =>
            {
                o.SessionId = SessionIdSelector.FromRoute("client");
                o.ReconnectGrace = options.ReconnectGrace;
                o.DuplicateConnection = DuplicateConnectionPolicy.Replace;
            });
        return server;
    }
}
