using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Guarded;

namespace SessionGuard.VoiceGateway.Server;

/// <summary>
/// A guarded session's pipeline connection and the socket it currently answers on: a client that reconnects within
/// the grace, or a duplicate that replaces it, gets the same pipeline connection on its new socket.
/// </summary>
internal sealed class GuardedSocketBinding
{
    private readonly SemaphoreSlim _sendLock;
    private WebSocket _socket;

    public GuardedSocketBinding(GuardedPipeline pipeline, Session session, WebSocket socket)
    {
        _socket = socket;
        _sendLock = session.Own(new SemaphoreSlim(1, 1));
        Connection = pipeline.Attach(session, SendAsync);
    }

    public GuardedConnection Connection { get; }

    public void Rebind(WebSocket socket) => Volatile.Write(ref _socket, socket);

    private async ValueTask SendAsync(string text, CancellationToken cancellationToken)
    {
        try
        {
            await FramePump.SendTextAsync(Volatile.Read(ref _socket), _sendLock, text, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is gone (or between two connections): the result is lost, the session goes on.
        }
    }
}
