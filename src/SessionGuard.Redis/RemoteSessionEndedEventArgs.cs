using System;

namespace SessionGuard.Redis;

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
