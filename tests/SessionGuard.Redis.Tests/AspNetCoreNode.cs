using System;
using System.Linq;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SessionGuard.Redis.Tests;

/// <summary>
/// One node as users run it: a real Kestrel server on 127.0.0.1 (port 0) with <c>AddSessionGuardAspNetCore</c> and
/// <c>AddRedis</c> on the shared test server; records every teardown report.
/// </summary>
internal sealed class AspNetCoreNode : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly Channel<SessionTeardownReport> _reports = Channel.CreateUnbounded<SessionTeardownReport>();

    private AspNetCoreNode(WebApplication app)
    {
        App = app;
        Registry = app.Services.GetRequiredService<SessionRegistry>();
        Cluster = app.Services.GetService<RedisSessionCluster>();
        Registry.SessionEnded += (_, report) => _reports.Writer.TryWrite(report);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        HttpBase = new Uri(address);
        WsBase = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal));
    }

    public WebApplication App { get; }

    public SessionRegistry Registry { get; }

    /// <summary>The node's cluster member; null when it runs without <c>AddRedis</c>.</summary>
    public RedisSessionCluster? Cluster { get; }

    public Uri HttpBase { get; }

    public Uri WsBase { get; }

    /// <summary>
    /// Starts a node. <paramref name="redis"/> null: no <c>AddRedis</c>; <paramref name="redisFirst"/>: <c>AddRedis</c> before
    /// <c>AddSessionGuardAspNetCore</c>. The WebSocket endpoint <c>/ws?session=ID</c> echoes text; <paramref name="map"/> maps more.
    /// </summary>
    public static async Task<AspNetCoreNode> StartAsync(Action<RedisSessionOptions>? redis, Action<IServiceCollection>? services = null, Action<WebApplication>? map = null, Action<AspNetCore.SessionWebSocketOptions>? endpoint = null, bool redisFirst = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        if (redisFirst)
        {
            AddRedis(builder.Services, redis);
        }

        builder.Services.AddSessionGuardAspNetCore(o =>
        {
            o.SweepInterval = Timeout.InfiniteTimeSpan;
            o.TaskDrainTimeout = TimeSpan.FromSeconds(25);
        });
        if (!redisFirst)
        {
            AddRedis(builder.Services, redis);
        }

        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseWebSockets();
        app.MapSessionWebSocket("/ws", EchoAsync, o =>
        {
            o.SessionId = AspNetCore.SessionIdSelector.FromQuery("session");
            o.CloseTimeout = TimeSpan.FromSeconds(20);
            endpoint?.Invoke(o);
        });
        map?.Invoke(app);
        await app.StartAsync();
        return new AspNetCoreNode(app);
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
    public async Task<SessionTeardownReport> NextReportAsync() => await _reports.Reader.ReadAsync().AsTask().WaitAsync(Bound);

    public async Task<ClientWebSocket> ConnectAsync(string session)
    {
        var client = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Bound);
        await client.ConnectAsync(new Uri(WsBase, "/ws?session=" + session), timeout.Token);
        return client;
    }

    /// <summary>Connects and expects the server to refuse the upgrade; returns the HTTP status and Retry-After.</summary>
    public async Task<(HttpStatusCode Status, string? RetryAfter)> RefusedAsync(string session)
    {
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(Bound);
        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(new Uri(WsBase, "/ws?session=" + session), timeout.Token));
        string? retryAfter = client.HttpResponseHeaders is { } headers && headers.TryGetValue("Retry-After", out var values) ? values.First() : null;
        return (client.HttpStatusCode, retryAfter);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().WaitAsync(Bound);
        await App.DisposeAsync();
    }

    private static async Task EchoAsync(Session session, WebSocket socket, CancellationToken ct)
    {
        while (await socket.ReceiveTextAsync(ct) is { } text)
        {
            await socket.SendTextAsync(text, ct);
        }
    }
}

internal static class Wire
{
    public static async Task SendTextAsync(this WebSocket socket, string text, CancellationToken ct = default) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, ct);

    /// <summary>Receives one whole message (bounded when <paramref name="ct"/> cannot be cancelled): its text, or null for a close frame.</summary>
    public static async Task<string?> ReceiveTextAsync(this WebSocket socket, CancellationToken ct = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (!ct.CanBeCanceled)
        {
            timeout.CancelAfter(AspNetCoreNode.Bound);
        }

        var buffer = new byte[4096];
        var text = new StringBuilder();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            if (result.EndOfMessage)
            {
                return text.ToString();
            }
        }
    }

    /// <summary>Sends text and returns the echo.</summary>
    public static async Task<string?> EchoAsync(this WebSocket socket, string text)
    {
        await socket.SendTextAsync(text);
        return await socket.ReceiveTextAsync();
    }
}
