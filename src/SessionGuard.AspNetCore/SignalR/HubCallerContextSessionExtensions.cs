using System;
using System.Diagnostics.CodeAnalysis;
using SessionGuard.AspNetCore.SignalR;

namespace Microsoft.AspNetCore.SignalR;

/// <summary>The session of a hub connection served with <c>AddSignalR().AddSessionGuard()</c>.</summary>
public static class HubCallerContextSessionExtensions
{
    /// <summary>The session of this hub connection.</summary>
    /// <param name="context">The hub's <c>Context</c>.</param>
    /// <returns>The connection's session.</returns>
    /// <exception cref="InvalidOperationException">The hub is not served with <c>AddSignalR().AddSessionGuard()</c>.</exception>
    public static global::SessionGuard.Session GetSession(this HubCallerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return TryGetSession(context, out var session)
            ? session
            : throw new InvalidOperationException("This hub connection has no session: add the filter with services.AddSignalR().AddSessionGuard().");
    }

    /// <summary>Gets the session of this hub connection, if it has one.</summary>
    /// <param name="context">The hub's <c>Context</c>.</param>
    /// <param name="session">The session, when this returns true.</param>
    /// <returns>True when the connection has a session.</returns>
    public static bool TryGetSession(this HubCallerContext context, [NotNullWhen(true)] out global::SessionGuard.Session? session)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(SessionGuardHubFilter.ItemKey, out var item) && item is HubSession state)
        {
            session = state.Session;
            return true;
        }

        session = null;
        return false;
    }

    /// <summary>
    /// Whether this connection resumed a session that outlived its previous connection: the client came back within
    /// <see cref="SessionGuard.AspNetCore.SessionGuardHubOptions.ReconnectGrace"/> (the SignalR client's automatic
    /// reconnect, with the same selected id), or this connection superseded one the server had not yet seen drop. The
    /// session's state (owned resources, per-session entries) is the old one. False for a new session.
    /// </summary>
    /// <param name="context">The hub's <c>Context</c>.</param>
    /// <returns>True when the session existed before this connection.</returns>
    /// <exception cref="InvalidOperationException">The hub is not served with <c>AddSignalR().AddSessionGuard()</c>.</exception>
    public static bool IsSessionResumed(this HubCallerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(SessionGuardHubFilter.ItemKey, out var item) && item is HubSession state
            ? state.Resumed
            : throw new InvalidOperationException("This hub connection has no session: add the filter with services.AddSignalR().AddSessionGuard().");
    }
}
