using System;

namespace SessionGuard.Redis;

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
