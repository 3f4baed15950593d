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

    /// <summary>How long a connection waits for a previous session with its id to finish ending. Default 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ConnectTimeout"/> is not positive.</exception>
    public void Validate()
    {
        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout == Timeout.InfiniteTimeSpan || ConnectTimeout.TotalMilliseconds > uint.MaxValue - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "ConnectTimeout must be positive and at most about 49 days.");
        }
    }
}
