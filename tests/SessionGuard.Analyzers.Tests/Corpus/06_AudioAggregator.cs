// Modelled on an AudioAggregator design note: buffers keyed by turn+language with explicit clean-up, plus a
// session-affinity map (sessionId -> nodeId) that is written on timeout finalize and never removed from.
#nullable enable
using System;
using System.Collections.Generic;
using SessionGuard;

namespace Node.Audio;

public sealed record JobAssignMessage(string JobId, string? TurnId, string? TgtLang, string SessionId, byte[] Audio, bool IsTimeoutTriggered);

public sealed class AudioAggregator
{
    private readonly Dictionary<string, List<byte[]>> _buffers = new();
    private readonly Dictionary<string, DateTime> _lastActivity = new();
    private readonly Dictionary<string, string> {|SG2001:_sessionAffinity|} = new();

    public static string BuildBufferKey(JobAssignMessage job) =>
        job.TurnId is not null && job.TgtLang is not null ? $"{job.TurnId}|{job.TgtLang}" : job.JobId;

    public void Add(JobAssignMessage job, string nodeId)
    {
        string key = BuildBufferKey(job);
        if (!_buffers.TryGetValue(key, out var chunks))
        {
            chunks = new List<byte[]>();
            _buffers[key] = chunks;
        }

        chunks.Add(job.Audio);
        _lastActivity[key] = DateTime.UtcNow;
        if (job.IsTimeoutTriggered)
        {
            _sessionAffinity[job.SessionId] = nodeId;
        }
    }

    public void ClearBufferByKey(string bufferKey)
    {
        _buffers.Remove(bufferKey);
        _lastActivity.Remove(bufferKey);
    }

    public void CleanupExpiredBuffers(TimeSpan idle)
    {
        var now = DateTime.UtcNow;
        foreach (var (key, last) in new List<KeyValuePair<string, DateTime>>(_lastActivity))
        {
            if (now - last > idle)
            {
                ClearBufferByKey(key);
            }
        }
    }
}

public sealed partial class SessionAudio
{
    [SessionScoped]
    private readonly Dictionary<SessionId, List<byte[]>> _perSession = new();

    private readonly HashSet<SessionId> {|SG2001:_everSeen|} = new();

    public void Add(SessionId session, byte[] chunk)
    {
        _everSeen.Add(session);
        if (!_perSession.TryGetValue(session, out var list))
        {
            _perSession[session] = list = new List<byte[]>();
        }

        list.Add(chunk);
    }

    public bool Seen(SessionId session) => _everSeen.Contains(session);
}
