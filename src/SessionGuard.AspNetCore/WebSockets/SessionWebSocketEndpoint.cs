using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace SessionGuard.AspNetCore.WebSockets;

/// <summary>The request delegate of one <c>MapSessionWebSocket</c> endpoint.</summary>
internal sealed class SessionWebSocketEndpoint
{
    private readonly ConcurrentDictionary<SessionId, SessionBinding> _bindings = new();
    private readonly Func<Session, WebSocket, HttpContext, CancellationToken, Task> _handler;
    private readonly string _taskName;

    public SessionWebSocketEndpoint(SessionRegistry registry, ISessionOpener opener, SessionWebSocketOptions options, TimeProvider time, ILogger logger, Func<Session, WebSocket, HttpContext, CancellationToken, Task> handler, string pattern)
    {
        Registry = registry;
        Opener = opener;
        Options = options;
        Time = time;
        Logger = logger;
        _handler = handler;
        _taskName = "websocket " + pattern;
    }

    public SessionRegistry Registry { get; }

    /// <summary>Opens the sessions: the registry, or what claims them first (a cluster).</summary>
    public ISessionOpener Opener { get; }

    public SessionWebSocketOptions Options { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public async Task InvokeAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            if (http.Features.Get<IHttpWebSocketFeature>() is null
                && string.Equals(http.Request.Headers.Upgrade, "websocket", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("MapSessionWebSocket needs the WebSocket middleware: call app.UseWebSockets() before mapping the endpoint.");
            }

            await RespondAsync(http, StatusCodes.Status400BadRequest, "A WebSocket request is expected.").ConfigureAwait(false);
            return;
        }

        if (!Options.SessionId.TrySelect(http, out var id, out string? error))
        {
            await RespondAsync(http, StatusCodes.Status400BadRequest, error!).ConfigureAwait(false);
            return;
        }

        WebSocketConnection? connection;
        try
        {
            connection = await AttachAsync(id, http).ConfigureAwait(false);
        }
        catch (SessionLimitExceededException)
        {
            await RespondUnavailableAsync(http, Refusals.AtSessionLimit).ConfigureAwait(false);
            return;
        }
        catch (SessionOpenRefusedException ex) when (ex.IsTransient)
        {
            Log.OpenRefused(Logger, ex, id);
            await RespondUnavailableAsync(http, Refusals.CannotClaimNow).ConfigureAwait(false);
            return;
        }
        catch (SessionOpenRefusedException ex)
        {
            Log.OpenRefused(Logger, ex, id);
            await RespondAsync(http, StatusCodes.Status409Conflict, Refusals.ConnectedElsewhere).ConfigureAwait(false);
            return;
        }
        catch (ObjectDisposedException)
        {
            await RespondUnavailableAsync(http, Refusals.ShuttingDown).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException)
        {
            if (!http.RequestAborted.IsCancellationRequested)
            {
                await RespondUnavailableAsync(http, Refusals.PreviousStillEnding).ConfigureAwait(false);
            }

            return;
        }

        if (connection is null)
        {
            await RespondAsync(http, StatusCodes.Status409Conflict, Refusals.AlreadyConnected).ConfigureAwait(false);
            return;
        }

        await connection.RunAsync(_handler, _taskName).ConfigureAwait(false);
    }

    internal void Forget(SessionBinding binding) =>
        _bindings.TryRemove(new(binding.Session.Id, binding));

    /// <summary>
    /// Finds or opens the session and makes a new connection its only one. Null when the session is connected and the
    /// policy refuses duplicates.
    /// </summary>
    private async Task<WebSocketConnection?> AttachAsync(SessionId id, HttpContext http)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        bound.CancelAfter(Options.ConnectTimeout);
        while (true)
        {
            var session = await Opener.GetOrOpenAsync(id, bound.Token).ConfigureAwait(false);
            var binding = BindingOf(session);
            if (binding is null)
            {
                // The session began ending before we could attach to it: the next GetOrOpenAsync waits for its end.
                continue;
            }

            var (connection, retry) = await binding.AttachAsync(http, bound.Token).ConfigureAwait(false);
            if (!retry)
            {
                return connection;
            }
        }
    }

    private SessionBinding? BindingOf(Session session)
    {
        SessionBinding? candidate = null;
        while (true)
        {
            candidate ??= new SessionBinding(this, session);
            var current = _bindings.GetOrAdd(session.Id, candidate);
            if (!ReferenceEquals(current, candidate))
            {
                if (ReferenceEquals(current.Session, session))
                {
                    return current;
                }

                // A binding of an older session with this id whose teardown has not reached it yet.
                if (!_bindings.TryUpdate(session.Id, candidate, current))
                {
                    continue;
                }
            }

            try
            {
                // The session owns its binding: its teardown aborts whatever socket is still connected.
                session.Own(candidate);
                return candidate;
            }
            catch (ObjectDisposedException)
            {
                // Ending already; Own disposed the binding, which removed itself.
                return null;
            }
        }
    }

    private static Task RespondAsync(HttpContext http, int status, string reason)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(reason, http.RequestAborted);
    }

    private Task RespondUnavailableAsync(HttpContext http, string reason)
    {
        http.Response.Headers.RetryAfter = Math.Ceiling(Options.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return RespondAsync(http, StatusCodes.Status503ServiceUnavailable, reason);
    }
}
