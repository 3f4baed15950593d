using System;
using System.Threading;
using Microsoft.AspNetCore.SignalR;

namespace SessionGuard.AspNetCore;

/// <summary>Settings of the SignalR hub filter added by <c>AddSignalR().AddSessionGuard()</c>.</summary>
public sealed class SessionGuardHubOptions
{
    /// <summary>
    /// Chooses a connection's session id (e.g. a query value or the user): the text returned must be a valid
    /// <see cref="SessionGuard.SessionId"/>, or the connection is refused. Default null: the connection id.
    /// </summary>
    public Func<HubCallerContext, string?>? SessionId { get; set; }

    /// <summary>
    /// How long a session whose connection was lost waits for a connection that selects its id (the SignalR client's
    /// automatic reconnect gets a new connection id, so this needs a <see cref="SessionId"/> selector): such a connection
    /// gets the same session back (<c>Context.IsSessionResumed()</c> is true); after the grace the session ends as
    /// <see cref="SessionGuard.SessionEndReason.Disconnected"/>. A clean stop ends the session at once. With a grace, a
    /// connection that selects the id of a connected session supersedes it (the old connection is aborted and its
    /// <c>OnDisconnectedAsync</c> runs first), since a reconnecting client often arrives before the server has seen its
    /// old connection drop. Default <see cref="TimeSpan.Zero"/>: a lost connection ends the session at once, and a
    /// second connection for a connected session is refused.
    /// </summary>
    public TimeSpan ReconnectGrace { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How long a connection waits for a previous session with its id to finish ending, or for the connection it
    /// supersedes to finish. Default 10 seconds.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ConnectTimeout"/> is not positive, or
    /// <see cref="ReconnectGrace"/> is negative; the exception names the setting.</exception>
    /// <exception cref="ArgumentException"><see cref="ReconnectGrace"/> is positive without a <see cref="SessionId"/> selector.</exception>
    public void Validate()
    {
        if (ReconnectGrace < TimeSpan.Zero || ReconnectGrace.TotalMilliseconds > uint.MaxValue - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ReconnectGrace), ReconnectGrace, "ReconnectGrace must be zero (no grace) or positive, at most about 49 days.");
        }

        if (ReconnectGrace > TimeSpan.Zero && SessionId is null)
        {
            throw new ArgumentException("ReconnectGrace needs a SessionId selector (e.g. a query value or the user): a reconnecting SignalR client gets a new connection id, so with the default id nobody can come back.", nameof(ReconnectGrace));
        }

        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout == Timeout.InfiniteTimeSpan || ConnectTimeout.TotalMilliseconds > uint.MaxValue - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "ConnectTimeout must be positive and at most about 49 days.");
        }
    }
}
