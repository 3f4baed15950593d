namespace SessionGuard;

/// <summary>Why a session ended.</summary>
public enum SessionEndReason
{
    /// <summary>The application closed it (<see cref="SessionRegistry.EndAsync"/>, <see cref="Session.EndAsync"/>).</summary>
    Closed = 0,

    /// <summary>It saw no activity (<see cref="Session.Touch"/>) for <see cref="SessionRegistryOptions.IdleTimeout"/>.</summary>
    IdleExpired = 1,

    /// <summary>It was the least recently active session when a new one needed its place under <see cref="SessionRegistryOptions.MaxSessions"/>.</summary>
    Evicted = 2,

    /// <summary>The registry was disposed.</summary>
    Shutdown = 3,

    /// <summary>
    /// Its connection was lost without a close handshake (the peer vanished, the network dropped, the request was
    /// aborted), and it was not resumed in time.
    /// </summary>
    Disconnected = 4,

    /// <summary>
    /// Another node of a cluster took the session over (a client reconnected there while this node still held it): this
    /// node's copy ends so that one live copy remains. Raised by cluster adapters such as SessionGuard.Redis.
    /// </summary>
    MovedToAnotherNode = 5,

    /// <summary>
    /// The node that held the session lost its place in the cluster (its heartbeat lapsed, it crashed or was cut off),
    /// and the session's ownership went with it. Raised by cluster adapters such as SessionGuard.Redis.
    /// </summary>
    NodeLost = 6,
}
