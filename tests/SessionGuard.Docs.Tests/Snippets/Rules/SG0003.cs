// docs/rules/SG0003.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG0003;

public sealed record CallKey(SessionId Caller, SessionId Callee);

public sealed record Call(string Number);

public sealed partial class Calls
{
    [SessionScoped(SessionKey = nameof(CallKey.Caller))] private readonly ConcurrentDictionary<CallKey, Call> _calls = new();
    [SessionScoped] private readonly Dictionary<SessionId, string> _byNumber = new();
    [SessionScoped(SessionKey = "Session")] private readonly ConcurrentDictionary<(string Session, int N), int> _turns = new();
}
