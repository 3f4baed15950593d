using System;
using System.Linq;
using System.Net;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SessionGuard.AspNetCore;

namespace SessionGuard.Benchmarks.AspNetCore;

/// <summary>
/// One WebSocket connection over loopback to an in-process Kestrel: connect, one message echoed, close. A raw endpoint
/// (<c>MapGet</c> + <c>AcceptWebSocketAsync</c>) against <c>MapSessionWebSocket</c> running the same echo as session
/// work. Client and server share the process, so the allocation column counts both sides.
/// </summary>
[MemoryDiagnoser]
public class WebSocketEndpointBenchmarks
{
    private static readonly byte[] Message = "hello"u8.ToArray();
    private WebApplication _app = null!;
    private Uri _raw = null!;
    private Uri _session = null!;

    [GlobalSetup]
    public void Setup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddSessionGuardAspNetCore(o =>
        {
            o.MaxSessions = 10_000;
            o.SweepInterval = Timeout.InfiniteTimeSpan;
        });
        _app = builder.Build();
        _app.UseWebSockets();
        _app.MapGet("/raw", async (HttpContext http) =>
        {
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            await EchoAsync(socket, http.RequestAborted);
            if (socket.State == WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        });
        _app.MapSessionWebSocket("/session", (Session session, WebSocket socket, CancellationToken ct) => EchoAsync(socket, ct));
        _app.StartAsync().GetAwaiter().GetResult();
        string address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("http://", "ws://", StringComparison.Ordinal);
        _raw = new Uri(address + "/raw");
        _session = new Uri(address + "/session");
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "raw MapGet + AcceptWebSocketAsync: connect, echo, close")]
    public Task Raw() => RoundTripAsync(_raw);

    [Benchmark(Description = "MapSessionWebSocket: connect, echo, close")]
    public Task SessionEndpoint() => RoundTripAsync(_session);

    private static async Task RoundTripAsync(Uri uri)
    {
        using var client = new ClientWebSocket();
        await client.ConnectAsync(uri, CancellationToken.None);
        await client.SendAsync(Message, WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64];
        var result = await client.ReceiveAsync(buffer, CancellationToken.None);
        if (result.Count != Message.Length)
        {
            throw new InvalidOperationException("The echo did not come back.");
        }

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    private static async Task EchoAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[64];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, ct);
        }
    }
}
