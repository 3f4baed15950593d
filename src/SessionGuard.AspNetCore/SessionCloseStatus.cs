using System.Net.WebSockets;

namespace SessionGuard.AspNetCore;

/// <summary>The close statuses the server sends when it ends a connection's session.</summary>
public static class SessionCloseStatus
{
    /// <summary>1013 Try Again Later (RFC 6455 registry): the server is at capacity; sent when the session is evicted.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    /// <summary>The status and description a socket gets when its session ends for <paramref name="reason"/>.</summary>
    /// <param name="reason">Why the session ends.</param>
    /// <returns>
    /// 1001 Going Away for <see cref="SessionEndReason.Shutdown"/>, <see cref="SessionEndReason.IdleExpired"/>,
    /// <see cref="SessionEndReason.Disconnected"/> and <see cref="SessionEndReason.NodeLost"/> (the client may reconnect,
    /// to another node); 1013 Try Again Later for <see cref="SessionEndReason.Evicted"/>; 1008 Policy Violation for
    /// <see cref="SessionEndReason.MovedToAnotherNode"/> (the session lives on in a newer connection on another node: this
    /// one must not reconnect and take it back); 1000 Normal Closure for <see cref="SessionEndReason.Closed"/>.
    /// </returns>
    public static (WebSocketCloseStatus Status, string Description) For(SessionEndReason reason) => reason switch
    {
        SessionEndReason.Shutdown => (WebSocketCloseStatus.EndpointUnavailable, "Server shutting down"),
        SessionEndReason.IdleExpired => (WebSocketCloseStatus.EndpointUnavailable, "Session idle"),
        SessionEndReason.Evicted => (TryAgainLater, "Server at capacity, try again later"),
        SessionEndReason.Disconnected => (WebSocketCloseStatus.EndpointUnavailable, "Session ended"),
        SessionEndReason.NodeLost => (WebSocketCloseStatus.EndpointUnavailable, "Session lost by this server"),
        SessionEndReason.MovedToAnotherNode => (WebSocketCloseStatus.PolicyViolation, "Session moved to another connection"),
        _ => (WebSocketCloseStatus.NormalClosure, "Session closed"),
    };

    internal static (WebSocketCloseStatus Status, string Description) Replaced => (WebSocketCloseStatus.PolicyViolation, "Replaced by a newer connection");

    internal static (WebSocketCloseStatus Status, string Description) HandlerFailed => (WebSocketCloseStatus.InternalServerError, "Internal error");
}
