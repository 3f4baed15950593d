using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

public class GetOrOpenAsyncTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static SessionRegistry NewRegistry(Action<SessionRegistryOptions>? configure = null)
    {
        var options = new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan };
        configure?.Invoke(options);
        return new SessionRegistry(options);
    }

    [Fact]
    public async Task Returns_the_active_session_or_opens_one()
    {
        await using var registry = NewRegistry();
        var id = SessionId.Parse("a");
        var first = await registry.GetOrOpenAsync(id);
        Assert.True(first.IsActive);
        Assert.Same(first, await registry.GetOrOpenAsync(id));
        Assert.Equal(1, registry.ActiveCount);
    }

    [Fact]
    public async Task While_the_session_is_ending_waits_for_the_end_and_opens_a_fresh_one()
    {
        await using var registry = NewRegistry();
        var id = SessionId.Parse("slow");
        var old = registry.Open(id);
        var gate = new TaskCompletionSource();
        _ = old.Run(_ => gate.Task, "held");
        var ending = old.EndAsync(SessionEndReason.Disconnected);
        Assert.Throws<InvalidOperationException>(() => registry.GetOrOpen(id));

        var reopening = registry.GetOrOpenAsync(id).AsTask();
        Assert.False(reopening.IsCompleted);
        gate.SetResult();
        var fresh = await reopening.WaitAsync(Bound);

        Assert.NotSame(old, fresh);
        Assert.True(fresh.IsActive);
        Assert.True(ending.IsCompleted);
        Assert.Equal(SessionEndReason.Disconnected, (await ending).Reason);
        Assert.Equal(1, registry.ActiveCount);
    }

    [Fact]
    public async Task The_wait_for_an_ending_session_is_bounded_by_the_token_and_the_teardown_goes_on()
    {
        await using var registry = NewRegistry();
        var id = SessionId.Parse("hung");
        var old = registry.Open(id);
        var gate = new TaskCompletionSource();
        _ = old.Run(_ => gate.Task, "held");
        var ending = old.EndAsync();
        using var cts = new CancellationTokenSource();
        var reopening = registry.GetOrOpenAsync(id, cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reopening.WaitAsync(Bound));
        Assert.Equal(0, registry.ActiveCount);
        gate.SetResult();
        await ending.WaitAsync(Bound);
        Assert.True((await registry.GetOrOpenAsync(id)).IsActive);
    }

    [Fact]
    public async Task Rejects_default_ids_and_a_disposed_registry_and_honours_the_cap()
    {
        var registry = NewRegistry(o =>
        {
            o.MaxSessions = 1;
            o.OverflowPolicy = SessionOverflowPolicy.Reject;
        });
        Assert.Equal("id", Assert.Throws<ArgumentException>(() => registry.GetOrOpenAsync(default)).ParamName);
        await registry.GetOrOpenAsync(SessionId.Parse("one"));
        Assert.Throws<SessionLimitExceededException>(() => registry.GetOrOpenAsync(SessionId.Parse("two")));
        Assert.Equal(1, registry.ActiveCount);
        await registry.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => registry.GetOrOpenAsync(SessionId.Parse("one")));
    }

    [Fact]
    public async Task EndReason_is_null_while_active_and_set_before_Ending_is_cancelled()
    {
        await using var registry = NewRegistry();
        var session = registry.Open(SessionId.New());
        Assert.Null(session.EndReason);
        SessionEndReason? seen = null;
        session.Ending.Register(() => seen = session.EndReason);
        var report = await session.EndAsync(SessionEndReason.Evicted);
        Assert.Equal(SessionEndReason.Evicted, seen);
        Assert.Equal(SessionEndReason.Evicted, session.EndReason);
        Assert.Equal(SessionEndReason.Evicted, report.Reason);
    }

    [Fact]
    public async Task Stress_reconnects_racing_teardowns_never_throw_and_never_share_an_ending_session()
    {
        await using var registry = NewRegistry();
        var ids = Enumerable.Range(0, 8).Select(i => SessionId.Parse("id" + i)).ToArray();
        var reports = new ConcurrentBag<SessionTeardownReport>();
        registry.SessionEnded += (_, r) => reports.Add(r);
        int opened = 0;
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (int i = 0; i < 2000; i++)
            {
                var session = await registry.GetOrOpenAsync(ids[random.Next(ids.Length)]).AsTask().WaitAsync(Bound);
                Interlocked.Increment(ref opened);
                try
                {
                    _ = session.Run(ct => Task.Delay(random.Next(2), ct));
                }
                catch (ObjectDisposedException)
                {
                    // Another worker began ending it after we got it: allowed; the next call gets a fresh one.
                }

                if (random.Next(3) == 0)
                {
                    await session.EndAsync(SessionEndReason.Disconnected).WaitAsync(Bound);
                    Assert.False(session.IsActive);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var id in ids)
        {
            await registry.EndAsync(id).AsTask().WaitAsync(Bound);
        }

        Assert.Equal(0, registry.ActiveCount);
        Assert.True(registry.CheckResiduals().IsClean);
        Assert.All(reports, r => Assert.Empty(r.UndrainedTasks));
        Assert.Equal(16000, opened);
    }
}
