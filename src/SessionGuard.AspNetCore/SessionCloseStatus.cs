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
    /// 1001 Going Away for <see cref="SessionEndReason.Shutdown"/>, <see cref="SessionEndReason.IdleExpired"/> and
    /// <see cref="SessionEndReason.Disconnected"/>; 1013 Try Again Later for <see cref="SessionEndReason.Evicted"/>;
    /// 1000 Normal Closure for <see cref="SessionEndReason.Closed"/>.
    /// </returns>
    public static (WebSocketCloseStatus Status, string Description) For(SessionEndReason reason) => reason switch
    {
        SessionEndReason.Shutdown => (WebSocketCloseStatus.EndpointUnavailable, "Server shutting down"),
        SessionEndReason.IdleExpired => (WebSocketCloseStatus.EndpointUnavailable, "Session idle"),
        SessionEndReason.Evicted => (TryAgainLater, "Server at capacity, try again later"),
        SessionEndReason.Disconnected => (WebSocketCloseStatus.EndpointUnavailable, "Session ended"),
        _ => (WebSocketCloseStatus.NormalClosure, "Session closed"),
    };

    internal static (WebSocketCloseStatus Status, string Description) Replaced => (WebSocketCloseStatus.PolicyViolation, "Replaced by a newer connection");

    internal static (WebSocketCloseStatus Status, string Description) HandlerFailed => (WebSocketCloseStatus.InternalServerError, "Internal error");
}
