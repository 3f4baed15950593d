using System;
using System.Net;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SessionGuard.AspNetCore.Tests;

namespace SessionGuard.Redis.Tests;

/// <summary>
/// One node as users run it: the ASP.NET Core tests' <see cref="TestHost"/> (a real Kestrel server on 127.0.0.1, port 0,
/// that records every teardown report) with <c>AddSessionGuardAspNetCore</c> and <c>AddRedis</c> on the shared test server.
/// </summary>
internal sealed class AspNetCoreNode : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TestHost.Bound;

    private readonly TestHost _host;

    private AspNetCoreNode(TestHost host)
    {
        _host = host;
        Cluster = host.App.Services.GetService<RedisSessionCluster>();
    }

    public SessionRegistry Registry => _host.Registry;

    /// <summary>The node's cluster member; null when it runs without <c>AddRedis</c>.</summary>
    public RedisSessionCluster? Cluster { get; }

    public Uri HttpBase => _host.HttpBase;

    /// <summary>
    /// Starts a node. <paramref name="redis"/> null: no <c>AddRedis</c>; <paramref name="redisFirst"/>: <c>AddRedis</c> before
    /// <c>AddSessionGuardAspNetCore</c>. The WebSocket endpoint <c>/ws?session=ID</c> echoes text; <paramref name="map"/> maps more.
    /// </summary>
    public static async Task<AspNetCoreNode> StartAsync(Action<RedisSessionOptions>? redis, Action<IServiceCollection>? services = null, Action<WebApplication>? map = null, Action<AspNetCore.SessionWebSocketOptions>? endpoint = null, bool redisFirst = false)
    {
        var host = await TestHost.StartAsync(
            app =>
            {
                app.MapSessionWebSocket("/ws", (Session session, WebSocket socket, CancellationToken ct) => Wire.EchoAsync(socket, ct), o =>
                {
                    o.SessionId = AspNetCore.SessionIdSelector.FromQuery("session");
                    o.CloseTimeout = TestHost.CloseTimeout;
                    endpoint?.Invoke(o);
                });
                map?.Invoke(app);
            },
            services: s =>
            {
                if (!redisFirst)
                {
                    AddRedis(s, redis);
                }

                services?.Invoke(s);
            },
            servicesFirst: redisFirst ? s => AddRedis(s, redis) : null);
        return new AspNetCoreNode(host);
    }

    private static void AddRedis(IServiceCollection services, Action<RedisSessionOptions>? redis)
    {
        if (redis is not null)
        {
            services.AddRedis(o =>
            {
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(50);
                o.NodeTimeout = TimeSpan.FromSeconds(5);
                redis(o);
            });
        }
    }

    /// <summary>The next teardown report (waits, bounded).</summary>
    public Task<SessionTeardownReport> NextReportAsync() => _host.NextReportAsync();

    public Task<ClientWebSocket> ConnectAsync(string session) => _host.ConnectAsync("/ws?session=" + session);

    /// <summary>Connects and expects the server to refuse the upgrade; returns the HTTP status and Retry-After.</summary>
    public Task<(HttpStatusCode Status, string? RetryAfter)> RefusedAsync(string session) => _host.RefusedAsync("/ws?session=" + session);

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
