using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using SessionGuard.Audio;

namespace SessionGuard.AspNetCore.Tests.Docs;

/// <summary>
/// The code of docs/aspnetcore.md: every C# block of that page is copied from between a "snippet" marker and
/// "end snippet" here (DocsTests checks it), so the page shows code that compiles; DocsTests also runs the app.
/// </summary>
public static class AspNetCoreSnippets
{
    public static WebApplication BuildApp(string[] args)
    {
        // snippet: setup
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddSessionGuardAspNetCore(o =>
        {
            o.MaxSessions = 5000;                       // past it: evict the idlest (1013) or Reject (503)
            o.IdleTimeout = TimeSpan.FromMinutes(2);    // an idle socket is closed with 1001
        });
        builder.Services.AddHealthChecks().AddSessionGuard(o => o.DegradedThreshold = 0.9);
        builder.Services.AddSignalR().AddSessionGuard();

        var app = builder.Build();
        app.UseWebSockets();
        app.MapHealthChecks("/health");
        app.MapHub<CaptionHub>("/captions");
        // end snippet

        // snippet: voice-endpoint
        app.MapSessionWebSocket("/voice", async (Session session, WebSocket socket, CancellationToken ct) =>
        {
            var audio = session.Own(new AudioRingBuffer());   // disposed when the session ends
            var buffer = new byte[4096];
            while (true)
            {
                var frame = await socket.ReceiveAsync(buffer, ct);
                if (frame.MessageType == WebSocketMessageType.Close)
                {
                    return;                                   // the client closed: the session ends as Closed
                }

                session.Touch();
                audio.Write(buffer.AsSpan(0, frame.Count));
                await socket.SendAsync(Encoding.UTF8.GetBytes($"{audio.BufferedBytes}"), WebSocketMessageType.Text, true, ct);
            }
        });
        // end snippet

        // snippet: resumable-endpoint
        app.MapSessionWebSocket("/call/{session}", async (Session session, WebSocket socket, HttpContext http, CancellationToken ct) =>
        {
            var connection = http.Features.Get<ISessionConnectionFeature>()!;
            string hello = connection.Resumed ? "welcome back" : "hello";
            await socket.SendAsync(Encoding.UTF8.GetBytes(hello), WebSocketMessageType.Text, true, ct);
            var buffer = new byte[4096];
            while (!(await socket.ReceiveAsync(buffer, ct)).CloseStatus.HasValue)
            {
                session.Touch();
            }
        },
        o =>
        {
            o.SessionId = SessionIdSelector.FromRoute("session");  // validated with SessionId.TryParse: bad => 400
            o.ReconnectGrace = TimeSpan.FromSeconds(10);            // a dropped call waits 10 s for its client
            o.DuplicateConnection = DuplicateConnectionPolicy.Replace;
        });
        // end snippet

        return app;
    }

    public static void Conventions(WebApplication app)
    {
        // snippet: conventions
        app.MapSessionWebSocket("/secure-voice", (Session session, WebSocket socket, CancellationToken ct) => Task.CompletedTask)
            .RequireAuthorization()
            .RequireCors("voice-clients")
            .RequireRateLimiting("connects");
        // end snippet
    }

    public static void HubReconnect(IServiceCollection services)
    {
        // snippet: hub-reconnect-setup
        services.AddSignalR().AddSessionGuard(o =>
        {
            o.SessionId = c => c.GetHttpContext()!.Request.Query["call"];  // the same on every reconnect
            o.ReconnectGrace = TimeSpan.FromSeconds(10);                   // a dropped call waits 10 s for its client
        });
        // end snippet
    }

    // snippet: hub-reconnect
    public sealed class CallHub : Hub
    {
        public override async Task OnConnectedAsync()
        {
            // True when the client's automatic reconnect came back within the grace: the session and its state are the old ones.
            string hello = Context.IsSessionResumed() ? "welcome back" : "hello";
            await Clients.Caller.SendAsync("hello", hello);
        }

        // A client that leaves for good says so: the session ends now, not after the grace. Not awaited: this
        // invocation is session work, which the teardown waits for.
        public void Leave() => _ = Context.GetSession().EndAsync(SessionEndReason.Closed);
    }
    // end snippet

    // snippet: hub
    public sealed class CaptionHub : Hub
    {
        public string Say(string text)
        {
            Session session = Context.GetSession();   // touched by every invocation
            return $"{session.Id}: {text}";
        }

        // Aborted with the connection when the server ends the session (idle, evicted, shutdown).
        public async IAsyncEnumerable<string> Captions([EnumeratorCancellation] CancellationToken ct)
        {
            for (int i = 0; ; i++)
            {
                yield return $"caption {i}";
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }
    // end snippet
}
