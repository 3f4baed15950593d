// docs/rules/SG1004.md: Good.
using System.Collections.Concurrent;
using System.Threading.Tasks;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG1004;

public static class Jobs
{
    private static readonly ConcurrentBag<Task> Pending = new();

    public static void Enqueue(Task job) => Pending.Add(job);   // owned: awaited at shutdown

    public static Task DrainAsync() => Task.WhenAll(Pending);
}
