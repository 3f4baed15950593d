// docs/rules/SG0006.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG0006;

public sealed partial class Audio
{
    private readonly object _gate = new();   // or System.Threading.Lock on .NET 9+
    [SessionScoped(SyncRoot = nameof(_gate))] private readonly Dictionary<SessionId, byte[]> _a = new();
}
