// docs/rules/SG0008.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG0008;

public partial class StageBase
{
    [SessionScoped] private readonly ConcurrentDictionary<SessionId, string> _text = new();
    [SessionScoped] protected readonly ConcurrentDictionary<SessionId, int> Counts = new();  // all members in one type
}

public sealed class DedupStage : StageBase   // inherits the base's release
{
}
