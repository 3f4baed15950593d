using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Demo;

/// <summary>
/// The same stage written the usual way: the same four maps as plain collections, a pending translation removed only
/// when it succeeds, and nothing that runs when a session ends. The demo feeds it every call the guarded stage gets,
/// and prints what it still holds at the end: that is what the library prevents.
/// </summary>
internal sealed class NaiveTranslationStage
{
#pragma warning disable SG2001 // Deliberate: the naive stage never cleans up; the demo prints what it still holds.
    private readonly ConcurrentDictionary<SessionId, string> _lastSentText = new();
    private readonly ConcurrentDictionary<string, int> _segmentsByClient = new();
    private readonly ConcurrentDictionary<TurnKey, string> _segmentsByTurn = new();
    private readonly ConcurrentDictionary<string, Task<string>> _translations = new();   // by request id
#pragma warning restore SG2001

    /// <summary>Entries held for all sessions together, member by member.</summary>
    public string Describe() =>
        $"_lastSentText={_lastSentText.Count}, _segmentsByClient={_segmentsByClient.Count}, _segmentsByTurn={_segmentsByTurn.Count}, _translations={_translations.Count}";

    /// <summary>Entries held for all sessions together.</summary>
    public int Total => _lastSentText.Count + _segmentsByClient.Count + _segmentsByTurn.Count + _translations.Count;

    /// <summary>Records recognized text and starts its translation; the returned task ends when its bookkeeping is done.</summary>
    public Task OnRecognized(SessionId session, int turn, string text, Func<Task<string>> translate)
    {
        if (_lastSentText.TryGetValue(session, out var last) && last == text)
        {
            return Task.CompletedTask;
        }

        _lastSentText[session] = text;
        _segmentsByClient.AddOrUpdate(session.Value, 1, static (_, n) => n + 1);
        _segmentsByTurn[new TurnKey(session, turn, "fr")] = text;
        _segmentsByTurn[new TurnKey(session, turn, "de")] = text;
        string requestId = session.Value + "/" + turn.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var translation = translate();
        _translations[requestId] = translation;
        return TrackAsync(requestId, translation);
    }

    // The usual bookkeeping: the entry leaves the map when the translation succeeds. A failed or abandoned one stays.
    private async Task TrackAsync(string requestId, Task<string> translation)
    {
        try
        {
            await translation;
            _translations.TryRemove(requestId, out _);
        }
        catch (Exception)
        {
            // Logged and forgotten, as in most code: the entry stays.
        }
    }
}
