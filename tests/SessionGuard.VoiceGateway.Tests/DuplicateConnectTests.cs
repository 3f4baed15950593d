using System;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Audio;
using SessionGuard.VoiceGateway.Server;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>
/// A duplicate connect on the guarded server: the newer socket takes the session over, the older one is closed as
/// replaced (a close frame, not a reset), and the session's audio goes on, on the newer socket, to its end.
/// </summary>
public sealed class DuplicateConnectTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_newer_socket_takes_the_session_over_and_streams_to_the_end()
    {
        await using GatewayServer server = await GatewayServer.StartAsync(GatewayMode.Guarded, Options());
        var url = new Uri(server.VoiceUrl, "dup-client");
        byte[] clip = SpeechSynthesizer.Generate(3, TimeSpan.FromSeconds(6));
        int frames = clip.Length / PcmFormat.FrameBytes;
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // guards against a hang only

        using var first = new ClientWebSocket();
        await first.ConnectAsync(url, bound.Token);
        await SendAsync(first, clip, 0, frames / 2, bound.Token);

        using var second = new ClientWebSocket();
        Task connecting = second.ConnectAsync(url, bound.Token);

        // The older socket is closed by the server as replaced; it answers the close like any client would.
        byte[] buffer = new byte[4096];
        ValueWebSocketReceiveResult closing;
        do
        {
            closing = await first.ReceiveAsync(buffer.AsMemory(), bound.Token);
        }
        while (closing.MessageType != WebSocketMessageType.Close);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, first.CloseStatus);
        await first.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", bound.Token);
        await connecting;

        // The rest of the speech goes on the newer socket; the session cuts it and answers on that socket.
        await SendAsync(second, clip, frames / 2, frames, bound.Token);
        await second.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", bound.Token);
        var texts = new StringBuilder();
        while (true)
        {
            ValueWebSocketReceiveResult frame = await second.ReceiveAsync(buffer.AsMemory(), bound.Token);
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            texts.Append(Encoding.UTF8.GetString(buffer, 0, frame.Count)).Append('\n');
        }

        Assert.Equal(WebSocketCloseStatus.NormalClosure, second.CloseStatus);
        Assert.Equal(0, server.Pipeline.Counters.AudioDroppedBytes);
        Assert.Contains("[fr] ", texts.ToString(), StringComparison.Ordinal);
        Assert.Contains("[de] ", texts.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_server_keeps_no_closed_socket_alive_after_a_burst_of_connections_closed_together()
    {
        // A reconnect storm: all connected at once, so none had closed when earlier ones were accepted.
        await using GatewayServer server = await GatewayServer.StartAsync(GatewayMode.Guarded, Options());
        byte[] clip = SpeechSynthesizer.Generate(4, TimeSpan.FromMilliseconds(200));
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // guards against a hang only
        ClientWebSocket[] clients = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var client = new ClientWebSocket();
            await client.ConnectAsync(new Uri(server.VoiceUrl, "burst-" + i), bound.Token);
            await SendAsync(client, clip, 0, clip.Length / PcmFormat.FrameBytes, bound.Token);
            return client;
        }));
        await Wait.UntilAsync(() => server.TrackedSockets == 40, "every socket accepted");
        await Task.WhenAll(clients.Select(c => c.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", bound.Token)));
        foreach (ClientWebSocket client in clients)
        {
            client.Dispose();
        }

        await Wait.UntilAsync(() => server.RunningHandlers == 0, "every handler returned");

        // The heap a run measures after a full collection (before it counts the open sockets) must not hold the closed
        // sockets, nor their Kestrel connections.
        await Wait.UntilAsync(
            () =>
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                return server.TrackedSockets == 0;
            },
            "no closed socket is left in the tracker after a full collection");
        Assert.Equal(0, server.OpenSockets);
    }

    private static async Task SendAsync(ClientWebSocket socket, byte[] clip, int from, int to, CancellationToken ct)
    {
        for (int f = from; f < to; f++)
        {
            await socket.SendAsync(clip.AsMemory(f * PcmFormat.FrameBytes, PcmFormat.FrameBytes), WebSocketMessageType.Binary, endOfMessage: true, ct);
        }
    }

    private GatewayServerOptions Options() => new()
    {
        Pipeline = TestPipelines.Reliable(_temp.Path),
        TempRoot = _temp.Path,
        ReconnectGrace = TimeSpan.FromSeconds(1),
    };
}
