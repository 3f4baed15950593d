// docs/rules/SG1003.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG1003;

public sealed class Pinger
{
    public async Task PingEveryoneAsync(List<SessionId> sessions, List<string> items, Session session, CancellationToken ct)
    {
        await Task.WhenAll(sessions.Select(s => PingAsync(s)));
        await Parallel.ForEachAsync(items, async (item, ct) => await SendAsync(item, ct));

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15));
        while (await timer.WaitForNextTickAsync(ct)) { await PingAllAsync(); }

        _ = session.Run(async ct => { while (!ct.IsCancellationRequested) await PingAsync(session.Id); });
    }

    private static Task PingAsync(SessionId session) => Task.CompletedTask;

    private static Task SendAsync(string item, CancellationToken ct) => Task.CompletedTask;

    private static Task PingAllAsync() => Task.CompletedTask;
}
