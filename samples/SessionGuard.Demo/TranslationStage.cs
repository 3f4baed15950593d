using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Demo;

/// <summary>
/// The per-session state of a speech-translation stage, the kind that leaked in the post-mortems: the last text
/// sent per session (for de-duplication), per-session counters keyed by the id's string, and translations in flight.
/// Registered with the registry, it is released at the end of every session.
/// </summary>
internal sealed class TranslationStage : ISessionScoped
{
    private readonly SessionRegistry _registry;
    private readonly ConcurrentDictionary<SessionId, string> _lastSentText = new();
    private readonly ConcurrentDictionary<string, int> _segmentsByClient = new();
    private readonly PendingOperations<SessionId, string> _translations = new();

    public TranslationStage(SessionRegistry registry) => _registry = registry;

    public int MemberCount => 3;

    public string GetMemberName(int index) => index switch
    {
        0 => nameof(_lastSentText),
        1 => nameof(_segmentsByClient),
        2 => nameof(_translations),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public int GetLiveEntryCount(int index) => index switch
    {
        0 => _lastSentText.Count,
        1 => _segmentsByClient.Count,
        2 => _translations.Count,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>Records recognized text and starts its translation (deduplicated per session).</summary>
    public Task<string>? OnRecognized(SessionId session, string text, TimeSpan translationLatency)
    {
        if (!_registry.IsActive(session) || _lastSentText.TryGetValue(session, out var last) && last == text)
        {
            return null;
        }

        _lastSentText[session] = text;
        _segmentsByClient.AddOrUpdate(session.Value, 1, static (_, n) => n + 1);
        return _translations.StartOrJoin(session, async ct =>
        {
            await Task.Delay(translationLatency, ct);
            return "[fr] " + text;
        }, TimeSpan.FromSeconds(1));
    }

    public ValueTask<int> ReleaseSessionAsync(SessionId session) =>
        new(Remove(session, null));

    public ValueTask<int> ReleaseSessionAsync(SessionId session, SessionReleaseContext context) =>
        new(Remove(session, context));

    private int Remove(SessionId session, SessionReleaseContext? context)
    {
        int a = _lastSentText.TryRemove(session, out _) ? 1 : 0;
        int b = _segmentsByClient.TryRemove(session.Value, out _) ? 1 : 0;
        int c = _translations.Cancel(session) ? 1 : 0;
        context?.EntriesRemoved(nameof(_lastSentText), a);
        context?.EntriesRemoved(nameof(_segmentsByClient), b);
        context?.EntriesRemoved(nameof(_translations), c);
        return a + b + c;
    }
}
