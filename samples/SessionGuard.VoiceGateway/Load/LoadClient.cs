using System;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Audio;

namespace SessionGuard.VoiceGateway.Load;

/// <summary>One <see cref="ClientWebSocket"/> of the load driver, with a loop that counts the text frames it gets.</summary>
internal sealed class LoadClient : IDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly Action _onText;
    private Task _receiving = Task.CompletedTask;
    private int _closedByServer = -1; // the server's close status when it closed first, -1 while it has not

    private LoadClient(Action onText) => _onText = onText;

    public static async Task<LoadClient> ConnectAsync(Uri url, Action onText, CancellationToken cancellationToken)
    {
        var client = new LoadClient(onText);
        try
        {
            await client._socket.ConnectAsync(url, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        client._receiving = client.ReceiveAsync();
        return client;
    }

    /// <summary>Sends frames <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive) of <paramref name="pcm"/>, as fast as the socket takes them.</summary>
    public async Task StreamAsync(byte[] pcm, int from, int to, CancellationToken cancellationToken)
    {
        for (int f = from; f < to; f++)
        {
            await _socket.SendAsync(pcm.AsMemory(f * PcmFormat.FrameBytes, PcmFormat.FrameBytes), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a close frame and waits (bounded) for the server's; returns the time between the two.</summary>
    public async Task<TimeSpan> CloseAsync(CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", cancellationToken).ConfigureAwait(false);
        await _receiving.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Waits until the server closes the connection; false if <paramref name="limit"/> passed first.</summary>
    public async Task<bool> WaitForServerCloseAsync(TimeSpan limit)
    {
        try
        {
            await _receiving.WaitAsync(limit).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The status of the server's close frame when the server closed first (idle, replaced); null otherwise.</summary>
    public WebSocketCloseStatus? ClosedByServer => Volatile.Read(ref _closedByServer) is int status and >= 0 ? (WebSocketCloseStatus)status : null;

    /// <summary>Drops the connection without a close frame.</summary>
    public void Abort() => _socket.Abort();

    public void Dispose() => _socket.Dispose();

    private async Task ReceiveAsync()
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult frame = await _socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                if (frame.MessageType == WebSocketMessageType.Close)
                {
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        // The server closed first (idle, replaced): answer its close.
                        Volatile.Write(ref _closedByServer, (int)(_socket.CloseStatus ?? WebSocketCloseStatus.Empty));
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).ConfigureAwait(false);
                    }

                    return;
                }

                if (frame.MessageType == WebSocketMessageType.Text && frame.EndOfMessage)
                {
                    _onText();
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Aborted by this side or dropped by the server.
        }
    }
}
