namespace SessionGuard.Redis;

/// <summary>What <see cref="RedisSessionCluster"/> does when a session is opened whose id another live node owns.</summary>
public enum RemoteOwnerPolicy
{
    /// <summary>
    /// Take it over: this node claims it with a higher fencing number and the other node ends its copy with
    /// <see cref="SessionEndReason.MovedToAnotherNode"/> (a client that reconnected to another node keeps its session).
    /// </summary>
    TakeOver = 0,

    /// <summary>Refuse: the open throws <see cref="SessionOwnedElsewhereException"/> and the other node's copy lives on.</summary>
    Refuse = 1,
}
