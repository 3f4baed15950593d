using System;
using System.Collections.Generic;
using System.Threading;

namespace SessionGuard.VoiceGateway.Naive;

/// <summary>
/// The post-mortem's <c>DedupStage</c>: the last text sent per client, and what was sent per turn and language under
/// a <c>client|turn|lang</c> key. It has a <see cref="RemoveSession"/>, as the original did; nothing calls it when a
/// connection ends, as nothing did there.
/// </summary>
internal sealed class NaiveDedupStage
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _lastSentText = new();
    private readonly Dictionary<string, string> _sentByTurn = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _lastSentText.Count + _sentByTurn.Count;
            }
        }
    }

    public bool IsDuplicate(string clientId, string text)
    {
        lock (_gate)
        {
            if (_lastSentText.TryGetValue(clientId, out string? last) && last == text)
            {
                return true;
            }

            _lastSentText[clientId] = text;
            return false;
        }
    }

    public void RecordSent(string clientId, int turn, string lang, string translation)
    {
        lock (_gate)
        {
            _sentByTurn[clientId + "|" + turn + "|" + lang] = translation;
        }
    }

    /// <summary>Forgets a client. Correct, and never called.</summary>
    public void RemoveSession(string clientId)
    {
        lock (_gate)
        {
            _lastSentText.Remove(clientId);
            var keys = new List<string>();
            foreach (string key in _sentByTurn.Keys)
            {
                if (key.StartsWith(clientId + "|", StringComparison.Ordinal))
                {
                    keys.Add(key);
                }
            }

            foreach (string key in keys)
            {
                _sentByTurn.Remove(key);
            }
        }
    }
}
