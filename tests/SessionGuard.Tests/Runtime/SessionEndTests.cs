using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionGuard;
using static SessionGuard.Tests.Runtime.TestRegistries;

namespace SessionGuard.Tests.Runtime;

/// <summary>Ending sessions: the ordered teardown, concurrent and repeated ends, reopening an ended id, disposing the registry.</summary>
public class SessionEndTests
{
    [Fact]
    public async Task Teardown_runs_in_order_cancel_drain_dispose_release_publish()
    {
        var recorder = new Recorder();
        await using var registry = new SessionRegistry(NoSweep());
        var owner = new MapOwner(recorder);
        registry.Register(owner);
        registry.SessionEnded += (_, r) => recorder.Add("published " + r.SessionId);

        var id = SessionId.Parse("order");
        var session = registry.Open(id);
        owner.LastText[id] = "hello";
        owner.Counters[id.Value] = 3;
        _ = session.Run(async ct =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                await Task.Yield(); // the drain must wait for this, too
                recorder.Add("task observed cancel");
            }
        }, "worker");
        session.Ending.Register(() => recorder.Add("cancel"));
        session.Own(new Res("first", recorder));
        session.Own(new AsyncRes("second", recorder));
        session.Own(new Res("third", recorder));

        var report = await registry.EndAsync(id);

        Assert.NotNull(report);
        Assert.Equal(
            new[] { "cancel", "task observed cancel", "dispose third", "dispose second", "dispose first", "release MapOwner", "published order" },
            recorder.Events);
        Assert.Equal(SessionEndReason.Closed, report!.Reason);
        Assert.Equal(1, report.TasksStarted);
        Assert.Equal(1, report.TasksCancelled);
        Assert.Equal(0, report.TasksMissedDrain);
        Assert.Equal(3, report.ResourcesDisposed);
        Assert.Equal(2, report.EntriesRemoved);
        Assert.Contains(new OwnerEntriesRemoved("MapOwner", "LastText", 1), report.EntriesRemovedByMember);
        Assert.Contains(new OwnerEntriesRemoved("MapOwner", "Counters", 1), report.EntriesRemovedByMember);
        Assert.True(report.IsClean);
        Assert.Empty(owner.LastText);
        Assert.Empty(owner.Counters);
        Assert.False(registry.IsActive(id));
        Assert.True(session.IsEnded);
        Assert.True(registry.CheckResiduals().IsClean);
    }

    [Fact]
    public async Task Ending_one_session_leaves_other_sessions_state_alone()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var owner = new MapOwner();
        registry.Register(owner);
        var a = registry.Open(SessionId.Parse("a"));
        var b = registry.Open(SessionId.Parse("b"));
        owner.LastText[a.Id] = "a";
        owner.LastText[b.Id] = "b";
        var resB = b.Own(new Res("b"));

        await a.EndAsync();

        Assert.False(owner.LastText.ContainsKey(a.Id));
        Assert.Equal("b", owner.LastText[b.Id]);
        Assert.Equal(0, resB.Disposals);
        Assert.True(registry.IsActive(b.Id));
        Assert.Equal(1, registry.ActiveCount);
        var residuals = registry.CheckResiduals();
        Assert.False(residuals.IsClean);
        Assert.Equal(new ResidualEntry("MapOwner", "LastText", 1), Assert.Single(residuals.Entries));
    }

    [Fact]
    public async Task Hung_task_misses_the_drain_and_is_reported_not_awaited_forever()
    {
        var time = new FakeTimeProvider();
        await using var registry = new SessionRegistry(NoSweep(o => o.TaskDrainTimeout = TimeSpan.FromSeconds(2)), time);
        var session = registry.Open(SessionId.Parse("hung"));
        var release = new TaskCompletionSource();
        var res = session.Own(new Res("r"));
        _ = session.Run(_ => release.Task, "ignores-cancellation");
        _ = session.Run(ct => Task.Delay(Timeout.Infinite, ct), "cooperative");

        var ending = registry.EndAsync(session.Id).AsTask();
        await WaitUntil(() => session.RunningTasks == 1); // the cooperative task observed the cancellation
        Assert.False(ending.IsCompleted);
        Assert.Equal(0, res.Disposals);

        time.Advance(TimeSpan.FromSeconds(2));
        var report = await ending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, report!.TasksCancelled);
        Assert.Equal(new[] { "ignores-cancellation" }, report.UndrainedTasks);
        Assert.Equal(1, report.TasksMissedDrain);
        Assert.Equal(1, report.ResourcesDisposed);
        Assert.False(report.IsClean);
        release.SetResult();
    }

    [Fact]
    public async Task Hung_and_throwing_resources_and_owners_do_not_stop_the_rest()
    {
        var time = new FakeTimeProvider();
        var options = NoSweep(o =>
        {
            o.DisposeTimeout = TimeSpan.FromSeconds(1);
            o.OwnerReleaseTimeout = TimeSpan.FromSeconds(1);
        });
        await using var registry = new SessionRegistry(options, time);
        var recorder = new Recorder();
        var hangingOwner = new TotalOnlyOwner { Behaviour = _ => new ValueTask<int>(new TaskCompletionSource<int>().Task) };
        var throwingOwner = new TotalOnlyOwner { Behaviour = _ => throw new InvalidOperationException("owner boom") };
        var goodOwner = new MapOwner(recorder);
        registry.Register(hangingOwner);
        registry.Register(throwingOwner);
        registry.Register(goodOwner);

        var session = registry.Open(SessionId.Parse("faults"));
        goodOwner.LastText[session.Id] = "x";
        var first = session.Own(new Res("first", recorder));
        var hanging = session.Own(new AsyncRes("hanging", recorder, hang: new TaskCompletionSource().Task));
        var throwing = session.Own(new Res("throwing", recorder, throws: true));

        var ending = registry.EndAsync(session.Id).AsTask();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!ending.IsCompleted && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromMilliseconds(500)); // fires the hung disposal's timeout, then the hung owner's
            await Task.Delay(5);
        }

        var report = (await ending.WaitAsync(TimeSpan.FromSeconds(1)))!;
        Assert.Equal(new[] { "dispose throwing", "dispose hanging", "dispose first", "release MapOwner" }, recorder.Events);
        Assert.Equal(1, first.Disposals);
        Assert.Equal(1, throwing.Disposals);
        Assert.Equal(1, hanging.Disposals);
        Assert.Equal(1, report.ResourcesDisposed);
        Assert.Equal(1, report.EntriesRemoved);
        Assert.Empty(goodOwner.LastText);
        Assert.Equal(4, report.Failures.Count);
        Assert.Contains(report.Failures, f => f.Stage == TeardownStage.DisposeResources && f.Exception is InvalidOperationException && f.Subject.EndsWith(nameof(Res)));
        Assert.Contains(report.Failures, f => f.Stage == TeardownStage.DisposeResources && f.Exception is TimeoutException && f.Subject.EndsWith(nameof(AsyncRes)));
        Assert.Contains(report.Failures, f => f.Stage == TeardownStage.ReleaseOwners && f.Exception is TimeoutException);
        Assert.Contains(report.Failures, f => f.Stage == TeardownStage.ReleaseOwners && f.Exception.Message == "owner boom");
    }

    [Fact]
    public async Task Concurrent_and_repeated_EndAsync_run_teardown_once_and_share_the_report()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var res = new Res("once");
        var session = registry.Open(SessionId.Parse("shared"));
        session.Own(res);
        var gate = new TaskCompletionSource();
        _ = session.Run(async ct =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                await gate.Task;
            }
        });

        var calls = Enumerable.Range(0, 16).Select(i => Task.Run(async () => i % 2 == 0
            ? await registry.EndAsync(session.Id)
            : await session.EndAsync(SessionEndReason.Closed))).ToArray();
        await Task.Delay(50);
        gate.SetResult();
        var reports = await Task.WhenAll(calls);

        Assert.All(reports, r => Assert.Same(reports[0], r));
        Assert.Equal(1, res.Disposals);
        Assert.Same(reports[0], await session.EndAsync(SessionEndReason.Evicted));
        Assert.Null(await registry.EndAsync(session.Id));
    }

    [Fact]
    public async Task EndAsync_of_unknown_id_returns_null_and_an_id_can_be_reopened_after_its_end()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var id = SessionId.Parse("again");
        Assert.Null(await registry.EndAsync(id));
        var first = registry.Open(id);
        Assert.Throws<InvalidOperationException>(() => registry.Open(id));
        await registry.EndAsync(id);
        var second = registry.Open(id);
        Assert.NotSame(first, second);
        Assert.True(second.IsActive);
        Assert.False(first.IsActive);
    }

    [Fact]
    public async Task Opening_an_id_that_is_still_ending_throws_a_clear_error()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var session = registry.Open(SessionId.Parse("slow"));
        var gate = new TaskCompletionSource();
        _ = session.Run(_ => gate.Task);
        var ending = session.EndAsync();
        var ex = Assert.Throws<InvalidOperationException>(() => registry.Open(session.Id));
        Assert.Contains("still ending", ex.Message);
        ex = Assert.Throws<InvalidOperationException>(() => registry.GetOrOpen(session.Id));
        Assert.Contains("still ending", ex.Message);
        Assert.False(registry.TryGet(session.Id, out _));
        gate.SetResult();
        await ending;
        Assert.True(registry.GetOrOpen(session.Id).IsActive);
    }

    [Fact]
    public async Task Disposing_the_registry_ends_every_session_with_Shutdown_and_stops_the_sweep()
    {
        var time = new FakeTimeProvider();
        var registry = new SessionRegistry(new SessionRegistryOptions(), time);
        var reports = new List<SessionTeardownReport>();
        registry.SessionEnded += (_, r) => { lock (reports) { reports.Add(r); } };
        var resources = new List<Res>();
        for (int i = 0; i < 5; i++)
        {
            resources.Add(registry.Open(SessionId.Parse("s" + i)).Own(new Res("r" + i)));
        }

        await registry.DisposeAsync();
        await registry.DisposeAsync(); // idempotent

        Assert.Equal(5, reports.Count);
        Assert.All(reports, r => Assert.Equal(SessionEndReason.Shutdown, r.Reason));
        Assert.All(resources, r => Assert.Equal(1, r.Disposals));
        Assert.Equal(0, registry.ActiveCount);
        Assert.Throws<ObjectDisposedException>(() => registry.Open(SessionId.New()));
        Assert.Throws<ObjectDisposedException>(() => registry.GetOrOpen(SessionId.New()));
        time.Advance(TimeSpan.FromHours(1)); // no timer left to fire
        Assert.Equal(5, reports.Count);
    }
}
