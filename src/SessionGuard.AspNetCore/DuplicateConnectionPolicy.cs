using System.Net.WebSockets;

namespace SessionGuard.AspNetCore;

/// <summary>What a second connection for a session that is still connected does.</summary>
public enum DuplicateConnectionPolicy
{
    /// <summary>
    /// The new connection replaces the old one: the old socket is closed (status
    /// <see cref="WebSocketCloseStatus.PolicyViolation"/>, "Replaced by a newer connection"), its handler cancelled and
    /// awaited, then the new handler starts with the same session.
    /// </summary>
    Replace = 0,

    /// <summary>The new connection is refused with HTTP 409 Conflict before the upgrade; the old one goes on.</summary>
    Refuse = 1,
}
