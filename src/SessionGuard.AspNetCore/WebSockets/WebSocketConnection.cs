using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SessionGuard.AspNetCore.WebSockets;

/// <summary>
/// One WebSocket connection of a session: accepts the socket, runs the handler as session work, closes the socket with
/// a status that says why when the server ends the session, and tells its binding how the connection ended.
/// </summary>
internal sealed class WebSocketConnection : ISessionConnectionFeature
{
    private readonly SessionBinding _binding;
    private readonly HttpContext _http;
    private readonly CancellationTokenSource _handlerCancellation = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _endingRegistration;
    private WebSocket? _socket;
    private readonly TaskCompletionSource _serverClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CloseRequest? _serverClose;

    // Completes when the handler has returned (or never started). Made up front, unlike the handler's own task, which
    // exists only once Session.Run returns: a fast handler can answer the client, and the server end the session, before.
    private readonly TaskCompletionSource _handlerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _closeStarted;
    private int _replaced;

    public WebSocketConnection(SessionBinding binding, HttpContext http, bool resumed)
    {
        _binding = binding;
        _http = http;
        Resumed = resumed;
        Session = binding.Session;
        _endingRegistration = Session.Ending.UnsafeRegister(static s => ((WebSocketConnection)s!).OnSessionEnding(), this);
    }

    public Session Session { get; }

    public bool Resumed { get; }

    /// <summary>Completes when the handler has returned and the socket is closed or aborted.</summary>
    public Task Completion => _completion.Task;

    public bool Replaced => Volatile.Read(ref _replaced) != 0;

    private SessionWebSocketEndpoint Endpoint => _binding.Endpoint;

    public void MarkReplaced() => Volatile.Write(ref _replaced, 1);

    /// <summary>Another connection takes the session: close this socket with "replaced" and cancel the handler.</summary>
    public void CloseForReplacement() => RequestServerClose(SessionCloseStatus.Replaced);

    /// <summary>The session's teardown disposes its binding: whatever is still open is aborted now.</summary>
    public void Abort()
    {
        if (Volatile.Read(ref _closeStarted) != 0 && _handlerDone.Task.IsCompleted)
        {
            // Our close frame is out and RunAsync is finishing the handshake, bounded by CloseTimeout (it aborts what is
            // left then): aborting now could reset the connection before the client has read the frame.
            return;
        }

        _handlerCancellation.Cancel();
        if (Volatile.Read(ref _socket) is { State: not WebSocketState.Closed } socket)
        {
            socket.Abort();
        }
    }

    public async Task RunAsync(Func<Session, WebSocket, HttpContext, CancellationToken, Task> handler, string taskName)
    {
        SessionEndReason reason = SessionEndReason.Disconnected;
        WebSocket? socket = null;
        try
        {
            try
            {
                socket = await _http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.AcceptFailed(Endpoint.Logger, ex, Session.Id);
                return;
            }

            Interlocked.Exchange(ref _socket, socket);
            if (Volatile.Read(ref _serverClose) is not null)
            {
                // The session began ending (or we were replaced) while the upgrade ran.
                StartServerClose();
            }

            _http.Features.Set<ISessionConnectionFeature>(this);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(_handlerCancellation.Token, _http.RequestAborted);
            Exception? fault = null;
            try
            {
                await Session.Run(_ => RunHandlerAsync(handler, socket, linked.Token), taskName).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                fault = ex;
            }
            finally
            {
                _handlerDone.TrySetResult();
            }

            reason = await FinishAsync(socket, fault).ConfigureAwait(false);
        }
        finally
        {
            _handlerDone.TrySetResult();
            _endingRegistration.Dispose();
            if (socket is not null)
            {
                // A completed handshake ends with a graceful close of the connection; anything else is aborted
                // (an abort right after our close frame could reset the connection before the client read the frame).
                if (socket.State != WebSocketState.Closed)
                {
                    socket.Abort();
                }

                socket.Dispose();
            }

            Task ending = _binding.Detach(this, reason);
            _completion.TrySetResult();
            try
            {
                await ending.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.EndFailed(Endpoint.Logger, ex, Session.Id);
            }
        }
    }

    /// <summary>
    /// Runs the handler; an exception it throws because the connection was lost or its token was cancelled (a receive
    /// on a dropped socket, a cancelled send) is how a disconnect shows, not a fault of the session's work.
    /// </summary>
    private async Task RunHandlerAsync(Func<Session, WebSocket, HttpContext, CancellationToken, Task> handler, WebSocket socket, CancellationToken cancellationToken)
    {
        try
        {
            await handler(Session, socket, _http, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (socket.State == WebSocketState.Aborted || _http.RequestAborted.IsCancellationRequested || cancellationToken.IsCancellationRequested || Volatile.Read(ref _closeStarted) != 0)
        {
            // FinishAsync reads the socket's state to tell a drop (Disconnected) from a close. Once the server closes
            // the socket, a send the handler had under way fails: that is the close, not a fault of the handler.
        }
    }

    /// <summary>After the handler: completes or starts the close handshake and says how the connection ended.</summary>
    private async Task<SessionEndReason> FinishAsync(WebSocket socket, Exception? fault)
    {
        if (fault is ObjectDisposedException && !Session.IsActive)
        {
            // The session began ending before the handler could start: close with the status of its end reason.
            RequestServerClose(SessionCloseStatus.For(Session.EndReason ?? SessionEndReason.Closed));
        }

        if (Volatile.Read(ref _closeStarted) != 0)
        {
            // The server ended the session or replaced this connection; its close is under way (bounded).
            await _serverClosed.Task.ConfigureAwait(false);
            if (socket.State == WebSocketState.CloseSent)
            {
                await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, null, outputOnly: false).ConfigureAwait(false);
            }

            return SessionEndReason.Closed;
        }

        var state = socket.State;
        if (state == WebSocketState.Aborted || _http.RequestAborted.IsCancellationRequested)
        {
            return SessionEndReason.Disconnected;
        }

        if (fault is not null && fault is not OperationCanceledException)
        {
            var (status, description) = SessionCloseStatus.HandlerFailed;
            await CloseAsync(socket, status, description, outputOnly: state == WebSocketState.CloseReceived).ConfigureAwait(false);
            return SessionEndReason.Closed;
        }

        switch (state)
        {
            case WebSocketState.CloseReceived:
                // The client closed: complete the handshake with its own status.
                await CloseAsync(socket, socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription, outputOnly: true).ConfigureAwait(false);
                return SessionEndReason.Closed;
            case WebSocketState.Open:
            case WebSocketState.CloseSent:
                // The handler returned with the socket open (or half closed): the session is over, close it.
                var (status, description) = SessionCloseStatus.For(SessionEndReason.Closed);
                await CloseAsync(socket, status, description, outputOnly: false).ConfigureAwait(false);
                return socket.State == WebSocketState.Closed ? SessionEndReason.Closed : SessionEndReason.Disconnected;
            case WebSocketState.Closed:
                return SessionEndReason.Closed;
            default:
                return SessionEndReason.Disconnected;
        }
    }

    private async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string? description, bool outputOnly)
    {
        using var timeout = new CancellationTokenSource(Endpoint.Options.CloseTimeout);
        try
        {
            if (socket.State == WebSocketState.CloseSent)
            {
                // Our close went out; wait (bounded) for the client's.
                var buffer = new byte[256];
                while (socket.State == WebSocketState.CloseSent)
                {
                    await socket.ReceiveAsync(buffer, timeout.Token).ConfigureAwait(false);
                }
            }
            else if (outputOnly)
            {
                await socket.CloseOutputAsync(status, description, timeout.Token).ConfigureAwait(false);
            }
            else
            {
                await socket.CloseAsync(status, description, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Timed out or the peer went away: the socket is aborted below.
        }
    }

    private void OnSessionEnding() => RequestServerClose(SessionCloseStatus.For(Session.EndReason ?? SessionEndReason.Closed));

    private void RequestServerClose((WebSocketCloseStatus Status, string Description) close)
    {
        if (Interlocked.CompareExchange(ref _serverClose, new CloseRequest(close.Status, close.Description), null) is not null)
        {
            return;
        }

        if (Volatile.Read(ref _socket) is not null)
        {
            StartServerClose();
        }
        else
        {
            // Not upgraded yet: RunAsync starts the close once it has the socket; the handler never sees an open session.
            _handlerCancellation.Cancel();
        }
    }

    private void StartServerClose()
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
        {
            return;
        }

        // Off the thread that ends the session (this runs inside the cancellation of Session.Ending).
#pragma warning disable SG1001 // ServerCloseAsync catches its expected failures and signals _serverClosed, which the connection awaits; it must run off the thread that ends the session
        _ = Task.Run(ServerCloseAsync);
#pragma warning restore SG1001
    }

    /// <summary>
    /// Sends the close frame, waits (bounded) for the handler to see the client's answer and return, then cancels the
    /// handler: cancelling a pending receive aborts the socket, and an abort right after the close frame can reset the
    /// connection before the client has read it.
    /// </summary>
    private async Task ServerCloseAsync()
    {
        var socket = Volatile.Read(ref _socket)!;
        var (status, description) = Volatile.Read(ref _serverClose)!;
        try
        {
            using var timeout = new CancellationTokenSource(Endpoint.Options.CloseTimeout);
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(status, description, timeout.Token).ConfigureAwait(false);
            }

            await Task.WhenAny(_handlerDone.Task, Task.Delay(Timeout.Infinite, timeout.Token)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Timed out or the peer went away: aborted below.
        }
        finally
        {
            _handlerCancellation.Cancel();
            _serverClosed.TrySetResult();
        }
    }

    private sealed record CloseRequest(WebSocketCloseStatus Status, string Description);
}
