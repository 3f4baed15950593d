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
