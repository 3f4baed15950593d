// docs/rules/SG2001.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG2001;

public sealed record Job(string SessionId, string Text);

public sealed partial class DedupStage
{
    [SessionScoped]                                            // the generator removes the session's entries
    private readonly ConcurrentDictionary<string, string> lastSentText = new();

    public void Remember(Job job) => lastSentText[job.SessionId] = job.Text;
}
