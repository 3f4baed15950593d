using System;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Audio;
using SessionGuard.VoiceGateway.Pipeline;

namespace SessionGuard.VoiceGateway.Server;

/// <summary>The socket side both servers share: binary frames in, text frames out.</summary>
internal static class FramePump
{
    /// <summary>
    /// Feeds every binary message to <paramref name="connection"/> until the client's close frame (returns) or the
    /// connection is lost (the receive throws).
    /// </summary>
    public static async Task ReceiveUntilCloseAsync(WebSocket socket, IGatewayConnection connection, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[PcmFormat.FrameBytes * 4];
        int filled = 0;
        while (true)
        {
            ValueWebSocketReceiveResult frame = await socket.ReceiveAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            filled += frame.Count;
            if (frame.EndOfMessage || filled == buffer.Length)
            {
                if (frame.MessageType == WebSocketMessageType.Binary)
                {
                    await connection.WriteAsync(buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
                }

                filled = 0;
            }
        }
    }

    /// <summary>Sends one text frame; one send at a time per socket.</summary>
    public static async ValueTask SendTextAsync(WebSocket socket, SemaphoreSlim sendLock, string text, CancellationToken cancellationToken)
    {
        await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            sendLock.Release();
        }
    }
}
