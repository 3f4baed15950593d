using System;
using Microsoft.Extensions.Logging;

namespace SessionGuard.AspNetCore;

internal static partial class Log
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "The WebSocket upgrade of session {SessionId} failed.")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, SessionId sessionId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Ending session {SessionId} after its connection ended failed.")]
    public static partial void EndFailed(ILogger logger, Exception exception, SessionId sessionId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Host shutdown: the sessions did not all end within the shutdown timeout.")]
    public static partial void ShutdownTimedOut(ILogger logger);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Session {SessionId} was refused by the session opener.")]
    public static partial void OpenRefused(ILogger logger, Exception exception, SessionId sessionId);
}
