using System;

namespace SessionGuard.Redis;

/// <summary>
/// Thrown when a session is opened whose id another live node owns and <see cref="RedisSessionOptions.WhenOwnedElsewhere"/>
/// is <see cref="RemoteOwnerPolicy.Refuse"/> (nothing was opened on this node), or when a copy that another claim took over
/// gives a key to its session (<see cref="RedisSessionCluster.OwnRedisKeyAsync"/>: nothing was written).
/// </summary>
public sealed class SessionOwnedElsewhereException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="id">The session.</param>
    /// <param name="ownerNode">The node that owns it.</param>
    /// <param name="ownerFence">The owner's fencing number.</param>
    public SessionOwnedElsewhereException(SessionId id, string ownerNode, long ownerFence)
        : base($"Session '{id}' is owned by the live node '{ownerNode}' (fencing number {ownerFence}), and this node refuses to take it over (RedisSessionOptions.WhenOwnedElsewhere is Refuse).")
    {
        Id = id;
        OwnerNode = ownerNode;
        OwnerFence = ownerFence;
    }

    /// <summary>Creates the exception with a message of the caller's (a copy that was taken over, refused a write).</summary>
    internal SessionOwnedElsewhereException(SessionId id, string ownerNode, long ownerFence, string message)
        : base(message)
    {
        Id = id;
        OwnerNode = ownerNode;
        OwnerFence = ownerFence;
    }

    /// <summary>The session.</summary>
    public SessionId Id { get; }

    /// <summary>The node that owns it.</summary>
    public string OwnerNode { get; }

    /// <summary>The owner's fencing number.</summary>
    public long OwnerFence { get; }
}

/// <summary>
/// Thrown when a session cannot be claimed because Redis did not answer within
/// <see cref="RedisSessionOptions.OperationTimeout"/> or failed. Nothing was opened on this node (new sessions fail closed).
/// </summary>
public sealed class RedisSessionUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The Redis or timeout failure.</param>
    public RedisSessionUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A session another node of the cluster ended (or that was reclaimed from a lost node).</summary>
public sealed class RemoteSessionEndedEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    /// <param name="id">The session.</param>
    /// <param name="node">The node that owned it.</param>
    /// <param name="fence">The fencing number of the copy that ended.</param>
    /// <param name="reason">Why it ended; <see cref="SessionEndReason.NodeLost"/> when reclaimed from a lost node.</param>
    public RemoteSessionEndedEventArgs(SessionId id, string node, long fence, SessionEndReason reason)
    {
        Id = id;
        Node = node;
        Fence = fence;
        Reason = reason;
    }

    /// <summary>The session.</summary>
    public SessionId Id { get; }

    /// <summary>The node that owned it.</summary>
    public string Node { get; }

    /// <summary>The fencing number of the copy that ended.</summary>
    public long Fence { get; }

    /// <summary>Why it ended.</summary>
    public SessionEndReason Reason { get; }
}
