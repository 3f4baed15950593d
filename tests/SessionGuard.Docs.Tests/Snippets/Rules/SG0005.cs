// docs/rules/SG0005.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG0005;

public sealed partial class Cache      // registered once (DI singleton or registry.Register)
{
    [SessionScoped] private readonly ConcurrentDictionary<SessionId, string> _names = new();
}
