using System;
using Microsoft.Extensions.Logging;

namespace SessionGuard;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Session {SessionId} opened")]
    public static partial void SessionOpened(ILogger logger, SessionId sessionId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Session {SessionId} ended ({Reason}) in {ElapsedMs:0.###} ms: {EntriesRemoved} entries removed, {ResourcesDisposed} resources disposed, {TasksCancelled} tasks cancelled")]
    public static partial void SessionEnded(ILogger logger, SessionId sessionId, SessionEndReason reason, double elapsedMs, int entriesRemoved, int resourcesDisposed, int tasksCancelled);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Session {SessionId} teardown: {Stage} {Subject} failed")]
    public static partial void TeardownFailure(ILogger logger, Exception exception, SessionId sessionId, TeardownStage stage, string subject);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Session {SessionId}: task '{TaskName}' was still running {DrainTimeoutMs} ms after cancellation; it is no longer awaited")]
    public static partial void TaskMissedDrain(ILogger logger, SessionId sessionId, string taskName, double drainTimeoutMs);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Session {SessionId}: task '{TaskName}' faulted")]
    public static partial void TaskFaulted(ILogger logger, Exception exception, SessionId sessionId, string taskName);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "No session is open, but owners still hold per-session entries: {Residuals}")]
    public static partial void Residuals(ILogger logger, ResidualReport residuals);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Session {SessionId} evicted to make room: {MaxSessions} sessions active")]
    public static partial void SessionEvicted(ILogger logger, SessionId sessionId, int maxSessions);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "The idle sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Session {SessionId}: a resource given to Own after the session began ending failed to dispose")]
    public static partial void LateOwnDisposeFailed(ILogger logger, Exception exception, SessionId sessionId);
}
