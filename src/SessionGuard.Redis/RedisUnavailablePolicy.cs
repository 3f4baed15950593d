namespace SessionGuard.Redis;

/// <summary>What opening a new session does while Redis does not answer.</summary>
public enum RedisUnavailablePolicy
{
    /// <summary>Refuse it: the open throws <see cref="RedisSessionUnavailableException"/> and opens nothing (one live copy first).</summary>
    FailClosed = 0,

    /// <summary>
    /// Open it on this node unclaimed and claim it once Redis answers (never taking it from a live node: if another live node
    /// claimed the id meanwhile, this copy ends with <see cref="SessionEndReason.MovedToAnotherNode"/>). Until then it has no fencing number
    /// and no record (service first; two nodes may briefly hold one id).
    /// </summary>
    FailOpen = 1,
}
