using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets;

public sealed partial class TranslationStage
{
    private readonly SessionRegistry _registry;
    private readonly object _gate = new();

    [SessionScoped] private readonly ConcurrentDictionary<SessionId, string> _lastSentText = new();
    [SessionScoped(SyncRoot = nameof(_gate))] private readonly Dictionary<string, int> _bytesHeard = new(); // keyed by the id's value, locked
    [SessionScoped] private readonly SessionMap<TurnKey, byte[]> _turns = new(k => k.Session); // many keys per session
    [SessionScoped] private readonly PendingOperations<SessionId, string> _translations = new();

    public TranslationStage(SessionRegistry registry) => _registry = registry;

    public void Hear(SessionId session, byte[] frame)
    {
        if (!_registry.IsActive(session))
        {
            return;                                          // ended or unknown: keep nothing for it
        }

        lock (_gate)
        {
            _bytesHeard[session.Value] = _bytesHeard.GetValueOrDefault(session.Value) + frame.Length;
        }

        _turns[new TurnKey(session, 0)] = frame;
    }
}

public readonly record struct TurnKey(SessionId Session, int Turn);
