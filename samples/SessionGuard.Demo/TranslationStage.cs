using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Demo;

/// <summary>A turn of speech in one target language: a session holds many (turn × language).</summary>
internal readonly record struct TurnKey(SessionId Session, int Turn, string Lang);

/// <summary>
/// The per-session state of a speech-translation stage, the kind that leaked in the post-mortems: the last text sent per
/// session (for de-duplication), per-client counters keyed by the id's string, segments per turn and target language,
/// and translations in flight. Each collection is marked once; the generator writes the release, and the registry runs
/// it at the end of every session. Nobody has to remember to call anything.
/// </summary>
internal sealed partial class TranslationStage
{
    private readonly SessionRegistry _registry;

    [SessionScoped] private readonly ConcurrentDictionary<SessionId, string> _lastSentText = new();
    [SessionScoped] private readonly ConcurrentDictionary<string, int> _segmentsByClient = new();
    [SessionScoped] private readonly SessionMap<TurnKey, string> _segmentsByTurn = new(static key => key.Session);
    [SessionScoped] private readonly PendingOperations<SessionId, string> _translations;

    public TranslationStage(SessionRegistry registry, TimeProvider time)
    {
        _registry = registry;
        _translations = new PendingOperations<SessionId, string>(timeProvider: time);
    }

    /// <summary>Translations in flight, for all sessions together.</summary>
    public int PendingTranslations => _translations.Count;

    /// <summary>Entries held for all sessions together, member by member.</summary>
    public string Describe()
    {
        ISessionScoped self = this;
        var parts = new string[self.MemberCount];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = $"{self.GetMemberName(i)}={self.GetLiveEntryCount(i)}";
        }

        return string.Join(", ", parts);
    }

    /// <summary>Records recognized text and starts its translation (deduplicated per session).</summary>
    public Task<string>? OnRecognized(SessionId session, int turn, string text, Func<CancellationToken, Task<string>> translate)
    {
        // An owner never writes for a session that is ending: its release may already have run.
        if (!_registry.IsActive(session) || _lastSentText.TryGetValue(session, out var last) && last == text)
        {
            return null;
        }

        _lastSentText[session] = text;
        _segmentsByClient.AddOrUpdate(session.Value, 1, static (_, n) => n + 1);
        _segmentsByTurn[new TurnKey(session, turn, "fr")] = text;
        _segmentsByTurn[new TurnKey(session, turn, "de")] = text;
        return _translations.StartOrJoin(session, translate, TimeSpan.FromSeconds(30));
    }
}
