// docs/rules/SG0002.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG0002;

public sealed partial class Transcripts
{
    [SessionScoped] private readonly SessionMap<(SessionId Session, int Line), string> _lines = new(static k => k.Session);
    [SessionScoped] private readonly Dictionary<SessionId, int> _counts = new();
}
