using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using SessionGuard.AspNetCore;

namespace SessionGuard.Docs.Tests.Snippets;

/// <summary>docs/redis.md's ASP.NET Core example: compiled here, run on two nodes and a real redis-server by SessionGuard.Redis.Tests.</summary>
public static class RedisAspNetCore
{
    public sealed class CallHub : Hub
    {
        public string Say(string text) => $"{Context.GetSession().Id}: {text}";
    }

    public static WebApplication BuildApp(string[] args, string redisConfiguration, Func<Session, WebSocket, CancellationToken, Task> handleCallAsync)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddSessionGuardAspNetCore().AddRedis(o => o.Configuration = redisConfiguration);
        builder.Services.AddSignalR().AddSessionGuard(o => o.SessionId = c => c.GetHttpContext()!.Request.Query["call"]);

        var app = builder.Build();
        app.UseWebSockets();
        // Claimed cluster-wide: a reconnect to another node moves the call there, and this node closes its socket (1008).
        app.MapSessionWebSocket("/call/{session}", handleCallAsync, o => o.SessionId = SessionIdSelector.FromRoute("session"));
        app.MapHub<CallHub>("/calls");
        return app;
    }
}
