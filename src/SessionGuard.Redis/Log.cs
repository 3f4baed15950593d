using System;
using Microsoft.Extensions.Logging;

namespace SessionGuard.Redis;

internal static partial class Log
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Session {SessionId} was taken over by another node (our fencing number {Fence}); ending this node's copy ({Reason})")]
    public static partial void EndingStaleCopy(ILogger logger, SessionId sessionId, long fence, SessionEndReason reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Could not remove the claim of session {SessionId} from Redis; it is retried at the next heartbeat")]
    public static partial void EndFailed(ILogger logger, Exception exception, SessionId sessionId);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "The heartbeat of node {NodeId} failed; the node is degraded until Redis answers again")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception, string nodeId);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "The heartbeat of node {NodeId} had lapsed: checking the {Count} sessions it holds against their owner records")]
    public static partial void HeartbeatLapsed(ILogger logger, string nodeId, int count);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Reclaimed {Count} sessions of lost nodes")]
    public static partial void Reclaimed(ILogger logger, long count);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "A handler or remote owner failed for session {SessionId} ended on node {NodeId}")]
    public static partial void RemoteReleaseFailed(ILogger logger, Exception exception, SessionId sessionId, string nodeId);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Node {NodeId} could not leave the cluster cleanly; its sessions are reclaimed once its heartbeat lapses")]
    public static partial void LeaveFailed(ILogger logger, Exception exception, string nodeId);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "Ignored a malformed message on the cluster channel: {Message}")]
    public static partial void BadMessage(ILogger logger, string message);

    [LoggerMessage(EventId = 109, Level = LogLevel.Error, Message = "Another live process renews the heartbeat of node {NodeId}: two processes share one RedisSessionOptions.NodeId, so each may end the other's sessions. Give every process its own NodeId")]
    public static partial void NodeIdInUse(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Node {NodeId} joined while Redis still listed {Count} sessions of an earlier process under its name; they are reclaimed (NodeLost)")]
    public static partial void ReclaimedPreviousIncarnation(ILogger logger, string nodeId, long count);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Redis did not answer: session {SessionId} opened on this node unclaimed (RedisSessionOptions.WhenRedisUnavailable is FailOpen); it is claimed once Redis answers")]
    public static partial void OpenedUnclaimed(ILogger logger, Exception exception, SessionId sessionId);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Session {SessionId}, opened unclaimed while Redis was down, could not be claimed ({Outcome}); its copy here ends")]
    public static partial void DeferredClaimRefused(ILogger logger, SessionId sessionId, string outcome);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Redis lost the cluster's data (its epoch changed): node {NodeId} claims its {Count} sessions again")]
    public static partial void DataLost(ILogger logger, string nodeId, int count);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "The upkeep of node {NodeId} (queued ends, deferred claims, the reclaim of lost nodes) failed; it is retried after the next renewal")]
    public static partial void UpkeepFailed(ILogger logger, Exception exception, string nodeId);
}
