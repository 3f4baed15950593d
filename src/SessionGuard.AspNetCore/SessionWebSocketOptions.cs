using System;
using System.Net.WebSockets;
using System.Threading;

namespace SessionGuard.AspNetCore;

/// <summary>Settings of one endpoint mapped with <c>MapSessionWebSocket</c>.</summary>
public sealed class SessionWebSocketOptions
{
    /// <summary>Chooses each connection's session id. Default <see cref="SessionIdSelector.NewPerConnection"/>.</summary>
    public SessionIdSelector SessionId { get; set; } = SessionIdSelector.NewPerConnection;

    /// <summary>
    /// How long a session whose connection dropped (no close handshake) stays alive waiting for the client to come back
    /// with the same id; its state is kept and its idle clock runs. After it the session ends as
    /// <see cref="SessionEndReason.Disconnected"/>. Default <see cref="TimeSpan.Zero"/>: a drop ends the session at once.
    /// Needs a resumable <see cref="SessionId"/> selector.
    /// </summary>
    public TimeSpan ReconnectGrace { get; set; } = TimeSpan.Zero;

    /// <summary>What a second connection for a still-connected session does. Default <see cref="DuplicateConnectionPolicy.Replace"/>.</summary>
    public DuplicateConnectionPolicy DuplicateConnection { get; set; } = DuplicateConnectionPolicy.Replace;

    /// <summary>
    /// How long a connection waits, before its upgrade, for the previous session with its id to finish ending or for the
    /// connection it replaces to finish; past it the answer is 503 with <c>Retry-After</c>. Default 10 seconds.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the server waits for a close handshake it starts (the handler's token is cancelled once the client
    /// answered or this time passed) before it aborts the socket. Default 1 second; must be less than the registry's
    /// <see cref="SessionRegistryOptions.TaskDrainTimeout"/>, which bounds the wait for the handler.
    /// </summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The <c>Retry-After</c> sent with a 503 answer (full registry, shutting down). Default 5 seconds.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentNullException"><see cref="SessionId"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the exception names it.</exception>
    /// <exception cref="ArgumentException"><see cref="ReconnectGrace"/> is set with a selector that is not resumable.</exception>
    public void Validate()
    {
        if (SessionId is null)
        {
            throw new ArgumentNullException(nameof(SessionId), "SessionId must select an id, e.g. SessionIdSelector.NewPerConnection.");
        }

        if (ReconnectGrace < TimeSpan.Zero || ReconnectGrace.TotalMilliseconds > uint.MaxValue - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ReconnectGrace), ReconnectGrace, "ReconnectGrace must be zero (no grace) or positive, at most about 49 days.");
        }

        if (ReconnectGrace > TimeSpan.Zero && !SessionId.IsResumable)
        {
            throw new ArgumentException("ReconnectGrace needs a resumable SessionId selector (FromQuery, FromHeader, FromRoute or FromRequest): with a new id per connection nobody can come back.", nameof(ReconnectGrace));
        }

        if (!Enum.IsDefined(DuplicateConnection))
        {
            throw new ArgumentOutOfRangeException(nameof(DuplicateConnection), DuplicateConnection, "DuplicateConnection must be Replace or Refuse.");
        }

        CheckPositive(ConnectTimeout, nameof(ConnectTimeout));
        CheckPositive(CloseTimeout, nameof(CloseTimeout));
        CheckPositive(RetryAfter, nameof(RetryAfter));
    }

    internal SessionWebSocketOptions Clone() => (SessionWebSocketOptions)MemberwiseClone();

    private static void CheckPositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value.TotalMilliseconds > uint.MaxValue - 1 || value == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and at most about 49 days.");
        }
    }
}
