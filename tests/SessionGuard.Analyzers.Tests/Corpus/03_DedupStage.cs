// Modelled on a node-agent memory-leak report: DedupStage.lastSentText and AggregatorMiddleware.lastSentText were
// Map<string, string> keyed by session with a removeSession() that nobody called; pendingAsyncTranslations kept
// failed promises forever.
#nullable enable
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading.Tasks;
using SessionGuard;

namespace Node.Agent;

public sealed record JobResult(string SessionId, string Text, string TargetLanguage);

public sealed class DedupStage
{
    private readonly Dictionary<string, string> {|SG2001:lastSentText|} = new();

    public bool ShouldSend(JobResult job)
    {
        if (lastSentText.TryGetValue(job.SessionId, out var last) && last == job.Text)
        {
            return false;
        }

        lastSentText[job.SessionId] = job.Text;
        return true;
    }
}

public sealed class AggregatorMiddleware
{
    private readonly Dictionary<SessionId, string> _lastSentText = new();
    private readonly ConcurrentDictionary<string, Task<string>> {|SG2001:pendingAsyncTranslations|} = new();

    public void Remember(SessionId session, string text) => _lastSentText[session] = text;

    // It does have a removeSession... (quiet: the type removes from the map).
    public void RemoveSession(SessionId session) => _lastSentText.Remove(session);

    public Task<string> TranslateAsync(string sessionId, string text) =>
        pendingAsyncTranslations.GetOrAdd(sessionId + ":" + text, _ => Task.FromResult(text.ToUpperInvariant()));
}

public sealed partial class TranslationStage
{
    [SessionScoped]
    private readonly ConcurrentDictionary<SessionId, Task<string>> _pending = new();

    private readonly ConcurrentDictionary<string, string> _translationCache = new();

    public Task<string> TranslateAsync(SessionId session, string text)
    {
        if (_translationCache.TryGetValue(text, out var cached))
        {
            return Task.FromResult(cached);
        }

        return _pending.GetOrAdd(session, _ => Task.FromResult(text));
    }

    public void Cache(string text, string translated) => _translationCache[text] = translated;
}
