using System;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.AspNetCore.Tests;

internal static class Wire
{
    public static async Task SendTextAsync(this WebSocket socket, string text, CancellationToken ct = default) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, ct);

    /// <summary>Receives one whole message (bounded): its text, or null for a close frame.</summary>
    public static async Task<string?> ReceiveTextAsync(this WebSocket socket, CancellationToken ct = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (!ct.CanBeCanceled)
        {
            timeout.CancelAfter(TestHost.Bound);
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

    /// <summary>The server's echo loop: echoes text until the client closes; "throw" throws, "abort" aborts the request.</summary>
    public static async Task EchoAsync(WebSocket socket, CancellationToken ct, Action<string>? onMessage = null)
    {
        while (true)
        {
            string? text = await socket.ReceiveTextAsync(ct);
            if (text is null)
            {
                return;
            }

            onMessage?.Invoke(text);
            await socket.SendTextAsync(text, ct);
        }
    }

    /// <summary>Sends text and returns the echo.</summary>
    public static async Task<string?> EchoAsync(this WebSocket socket, string text)
    {
        await socket.SendTextAsync(text);
        return await socket.ReceiveTextAsync();
    }
}
