// docs/rules/SG0004.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG0004;

public sealed partial class Cache
{
    [SessionScoped] private readonly Dictionary<SessionId, byte[]> _buffers = new();
    [SessionScoped] public ConcurrentDictionary<SessionId, int> Counts { get; } = new();   // or { get; init; }
}
