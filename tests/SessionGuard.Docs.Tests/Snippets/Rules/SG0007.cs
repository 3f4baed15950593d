// docs/rules/SG0007.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG0007;

public sealed record BufferKey(SessionId Session, string Turn, string Lang);

public sealed partial class Buffers
{
    [SessionScoped] private readonly SessionMap<BufferKey, byte[]> _chunks = new(static k => k.Session);
}
