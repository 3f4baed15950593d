// docs/rules/SG0001.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG0001;

public sealed partial class DedupStage
{
    [SessionScoped] private readonly ConcurrentDictionary<SessionId, string> _lastSentText = new();
}

public partial class Pipeline
{
    public partial class Stage
    {
        [SessionScoped] private readonly HashSet<SessionId> _active = new();
    }
}
