using Microsoft.AspNetCore.Http;

namespace SessionGuard.AspNetCore;

/// <summary>
/// The session of a connection served by <c>MapSessionWebSocket</c>, in <see cref="HttpContext.Features"/> while the
/// handler runs.
/// </summary>
public interface ISessionConnectionFeature
{
    /// <summary>The connection's session.</summary>
    Session Session { get; }

    /// <summary>
    /// True when the session existed before this connection: the client came back within the reconnect grace, or this
    /// connection replaced another one. The session's state (owned resources, per-session entries) is the old one.
    /// </summary>
    bool Resumed { get; }
}
