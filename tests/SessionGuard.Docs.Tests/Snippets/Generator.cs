// docs/generator.md: the main example.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets.Generator;

public sealed partial class DedupStage
{
    private readonly object _gate = new();

    [SessionScoped] private readonly ConcurrentDictionary<SessionId, string> _lastSentText = new();
    [SessionScoped(SyncRoot = nameof(_gate))] private readonly Dictionary<string, AudioState> _audio = new();
    [SessionScoped] private readonly SessionMap<BufferKey, Chunk[]> _buffers = new(static k => k.Session);
    [SessionScoped] private readonly PendingOperations<SessionId, string> _translations = new();
}

public sealed record AudioState(int Bytes);

public readonly record struct BufferKey(SessionId Session, string Turn);

public sealed record Chunk(byte[] Audio);
