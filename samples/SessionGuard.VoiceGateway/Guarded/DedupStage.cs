using System.Collections.Concurrent;

namespace SessionGuard.VoiceGateway.Guarded;

/// <summary>
/// Drops a transcript identical to the last one sent to its session, and keeps what was sent per turn and language
/// (for corrections). Both maps are released by the registry when a session ends.
/// </summary>
internal sealed partial class DedupStage
{
    [SessionScoped] private readonly ConcurrentDictionary<SessionId, string> _lastSentText = new();
    [SessionScoped] private readonly SessionMap<TurnKey, string> _sentByTurn = new(static key => key.Session);

    /// <summary>False when <paramref name="text"/> repeats the session's last transcript; otherwise records it.</summary>
    public bool TryBegin(Session session, string text)
    {
        // An owner never writes for a session that is ending: its release may already have run.
        if (!session.IsActive || (_lastSentText.TryGetValue(session.Id, out string? last) && last == text))
        {
            return false;
        }

        _lastSentText[session.Id] = text;
        return true;
    }

    /// <summary>Records the translation sent for a turn and language.</summary>
    public void RecordSent(Session session, TurnKey key, string translation)
    {
        if (session.IsActive)
        {
            _sentByTurn[key] = translation;
        }
    }
}
