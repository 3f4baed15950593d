using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

public class SessionRegistryTests
{
    private static SessionRegistryOptions NoSweep(Action<SessionRegistryOptions>? configure = null)
    {
        var options = new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan };
        configure?.Invoke(options);
        return options;
    }

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
    public async Task GetOrOpen_gives_concurrent_callers_the_same_session()
    {
        await using var registry = new SessionRegistry(NoSweep());
        for (int round = 0; round < 50; round++)
        {
            var id = SessionId.New();
            using var start = new Barrier(8);
            // Dedicated threads: blocking pool threads on a barrier would starve every other test's tasks.
            var sessions = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    return registry.GetOrOpen(id);
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)));
            Assert.All(sessions, s => Assert.Same(sessions[0], s));
            Assert.True(registry.TryGet(id, out var got));
            Assert.Same(sessions[0], got);
        }

        Assert.Equal(50, registry.ActiveCount);
    }

    [Fact]
    public async Task Idle_sessions_expire_on_sweep_and_touched_ones_stay()
    {
        var time = new FakeTimeProvider();
        await using var registry = new SessionRegistry(NoSweep(o => o.IdleTimeout = TimeSpan.FromMinutes(5)), time);
        var reports = new List<SessionTeardownReport>();
        registry.SessionEnded += (_, r) => { lock (reports) { reports.Add(r); } };
        var idle = registry.Open(SessionId.Parse("idle"));
        var busy = registry.Open(SessionId.Parse("busy"));

        time.Advance(TimeSpan.FromMinutes(4));
        busy.Touch();
        Assert.Equal(0, await registry.SweepAsync());
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await registry.SweepAsync());

        Assert.False(idle.IsActive);
        Assert.True(busy.IsActive);
        Assert.Equal(SessionEndReason.IdleExpired, Assert.Single(reports).Reason);
        Assert.Equal(time.GetUtcNow() - TimeSpan.FromMinutes(1), busy.LastActivity);
    }

    [Fact]
    public async Task The_sweep_timer_runs_on_the_time_provider()
    {
        var time = new FakeTimeProvider();
        var options = new SessionRegistryOptions { IdleTimeout = TimeSpan.FromSeconds(60), SweepInterval = TimeSpan.FromSeconds(30) };
        await using var registry = new SessionRegistry(options, time);
        var ended = new TaskCompletionSource<SessionTeardownReport>();
        registry.SessionEnded += (_, r) => ended.TrySetResult(r);
        var session = registry.Open(SessionId.Parse("timer"));

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(session.IsActive);
        time.Advance(TimeSpan.FromSeconds(30));
        var report = await ended.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(SessionEndReason.IdleExpired, report.Reason);
        Assert.Equal(0, registry.ActiveCount);
    }

    [Fact]
    public async Task A_slow_teardown_in_a_sweep_does_not_block_opening_or_ending_others()
    {
        var time = new FakeTimeProvider();
        await using var registry = new SessionRegistry(NoSweep(o => o.IdleTimeout = TimeSpan.FromSeconds(10)), time);
        var stale = registry.Open(SessionId.Parse("stale"));
        var gate = new TaskCompletionSource();
        stale.Own(new AsyncRes("slow", hang: gate.Task));
        time.Advance(TimeSpan.FromSeconds(10));

        var sweep = registry.SweepAsync();
        Assert.False(sweep.IsCompleted);
        var other = registry.Open(SessionId.Parse("other"));
        var report = await registry.EndAsync(other.Id).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(report);
        Assert.False(sweep.IsCompleted);
        gate.SetResult();
        Assert.Equal(1, await sweep.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task At_the_cap_the_idlest_session_is_evicted()
    {
        var time = new FakeTimeProvider();
        await using var registry = new SessionRegistry(NoSweep(o => o.MaxSessions = 3), time);
        var evicted = new TaskCompletionSource<SessionTeardownReport>();
        registry.SessionEnded += (_, r) => evicted.TrySetResult(r);
        var s1 = registry.Open(SessionId.Parse("s1"));
        time.Advance(TimeSpan.FromSeconds(1));
        var s2 = registry.Open(SessionId.Parse("s2"));
        time.Advance(TimeSpan.FromSeconds(1));
        var s3 = registry.Open(SessionId.Parse("s3"));
        time.Advance(TimeSpan.FromSeconds(1));
        s1.Touch(); // s2 is now the least recently active
        var res = s2.Own(new Res("s2"));

        var s4 = registry.Open(SessionId.Parse("s4"));

        var report = await evicted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(s2.Id, report.SessionId);
        Assert.Equal(SessionEndReason.Evicted, report.Reason);
        Assert.Equal(1, res.Disposals);
        Assert.Equal(3, registry.ActiveCount);
        Assert.True(s1.IsActive && s3.IsActive && s4.IsActive);
        Assert.False(s2.IsActive);
    }

    [Fact]
    public async Task At_the_cap_Reject_throws_SessionLimitExceededException_and_keeps_existing_sessions()
    {
        await using var registry = new SessionRegistry(NoSweep(o =>
        {
            o.MaxSessions = 2;
            o.OverflowPolicy = SessionOverflowPolicy.Reject;
        }));
        var a = registry.Open(SessionId.Parse("a"));
        var b = registry.GetOrOpen(SessionId.Parse("b"));
        var ex = Assert.Throws<SessionLimitExceededException>(() => registry.Open(SessionId.Parse("c")));
        Assert.Equal(2, ex.MaxSessions);
        Assert.Equal(SessionId.Parse("c"), ex.Session);
        Assert.Throws<SessionLimitExceededException>(() => registry.GetOrOpen(SessionId.Parse("c")));
        Assert.Same(b, registry.GetOrOpen(b.Id));
        Assert.True(a.IsActive && b.IsActive);
        Assert.Equal(2, registry.ActiveCount);
        await a.EndAsync();
        Assert.True(registry.Open(SessionId.Parse("c")).IsActive);
    }

    [Fact]
    public async Task Cap_holds_under_concurrent_opens()
    {
        await using var registry = new SessionRegistry(NoSweep(o => o.MaxSessions = 50));
        int maxSeen = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                registry.Open(SessionId.New());
                int active = registry.ActiveCount;
                InterlockedMax(ref maxSeen, active);
            }
        })));
        Assert.True(maxSeen <= 50, $"saw {maxSeen} active sessions with a cap of 50");
        Assert.Equal(50, registry.ActiveCount);
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

    [Fact]
    public async Task Run_tracks_only_running_tasks_and_counts_faults()
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Debug));
        await using var registry = new SessionRegistry(NoSweep(), loggerFactory: loggerFactory);
        var session = registry.Open(SessionId.Parse("runner"));
        for (int i = 0; i < 10_000; i++)
        {
            await session.Run(_ => Task.CompletedTask);
            await session.Run(async _ => await Task.Yield());
        }

        Assert.Equal(0, session.RunningTasks);
        var fault = session.Run(_ => throw new InvalidOperationException("sync boom"), "sync-fault");
        var asyncFault = session.Run(async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException("async boom");
        }, "async-fault");
        await Assert.ThrowsAsync<InvalidOperationException>(() => fault);
        await Assert.ThrowsAsync<InvalidOperationException>(() => asyncFault);
        await WaitUntil(() => session.RunningTasks == 0);

        var report = (await session.EndAsync())!;
        Assert.Equal(20_002, report.TasksStarted);
        Assert.Equal(2, report.TasksFaulted);
        Assert.Equal(0, report.TasksCancelled);
        var errors = logs.GetSnapshot().Where(r => r.Level == LogLevel.Error).ToArray();
        Assert.Equal(2, errors.Length);
        Assert.Contains(errors, e => e.Message.Contains("sync-fault") && e.Exception!.Message == "sync boom");
        Assert.Contains(errors, e => e.Message.Contains("async-fault") && e.Exception!.Message == "async boom");
    }

    [Fact]
    public async Task Faulted_session_tasks_never_become_unobserved_exceptions()
    {
        int unobserved = 0;
        EventHandler<UnobservedTaskExceptionEventArgs> handler = (_, e) =>
        {
            if (e.Exception.InnerExceptions.Any(x => x.Message == "nobody awaits me"))
            {
                Interlocked.Increment(ref unobserved);
            }
        };
        TaskScheduler.UnobservedTaskException += handler;
        try
        {
            await using (var registry = new SessionRegistry(NoSweep()))
            {
                var session = registry.Open(SessionId.New());
                for (int i = 0; i < 100; i++)
                {
                    _ = session.Run(async _ =>
                    {
                        await Task.Yield();
                        throw new InvalidOperationException("nobody awaits me");
                    });
                }

                await WaitUntil(() => session.RunningTasks == 0);
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.Equal(0, Volatile.Read(ref unobserved));
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= handler;
        }
    }

    [Fact]
    public async Task Run_Own_and_CreateTempFile_on_an_ended_session_throw_naming_it_and_Own_disposes_first()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var session = registry.Open(SessionId.Parse("gone"));
        await session.EndAsync();

        var ex = Assert.Throws<ObjectDisposedException>(() => { _ = session.Run(_ => Task.CompletedTask); });
        Assert.Contains("'gone'", ex.Message);
        var late = new Res("late");
        ex = Assert.Throws<ObjectDisposedException>(() => session.Own(late));
        Assert.Contains("'gone'", ex.Message);
        Assert.Equal(1, late.Disposals);
        var lateAsync = new AsyncRes("late-async");
        Assert.Throws<ObjectDisposedException>(() => session.Own(lateAsync));
        Assert.Equal(1, lateAsync.Disposals);
        ex = Assert.Throws<ObjectDisposedException>(() => session.CreateTempFile(".wav"));
        Assert.Contains("'gone'", ex.Message);
    }

    [Fact]
    public async Task Own_prefers_DisposeAsync_and_rejects_non_disposables()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var session = registry.Open(SessionId.New());
        var both = session.Own(new BothRes());
        var ex = Assert.Throws<ArgumentException>(() => session.Own(new object()));
        Assert.Contains("neither", ex.Message);
        Assert.Throws<ArgumentNullException>(() => session.Own<IDisposable>(null!));
        Assert.Throws<ArgumentNullException>(() => { _ = session.Run(null!); });
        await session.EndAsync();
        Assert.Equal(1, both.Async);
        Assert.Equal(0, both.Sync);
    }

    [Fact]
    public async Task Temp_files_are_owner_only_and_deleted_at_teardown()
    {
        string root = Path.Combine(Path.GetTempPath(), "sg-tests-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var registry = new SessionRegistry(NoSweep(o => o.TempRoot = root));
            var session = registry.Open(SessionId.Parse("with/slash"));
            string a = session.CreateTempFile(".wav");
            string b = session.CreateTempFile("pcm");
            Assert.True(File.Exists(a) && File.Exists(b));
            Assert.EndsWith(".wav", a);
            Assert.EndsWith(".pcm", b);
            Assert.Equal(registry.TempFolder, Path.GetDirectoryName(a));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(a));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(registry.TempFolder));
            }

            await File.WriteAllTextAsync(a, "audio");
            var report = (await session.EndAsync())!;
            Assert.Equal(2, report.TempFilesDeleted);
            Assert.False(File.Exists(a));
            Assert.False(File.Exists(b));

            var other = registry.Open(SessionId.New());
            Assert.Throws<ArgumentException>(() => other.CreateTempFile(""));
            Assert.Throws<ArgumentException>(() => other.CreateTempFile("."));
            Assert.Throws<ArgumentException>(() => other.CreateTempFile("../evil"));
            Assert.Throws<ArgumentException>(() => other.CreateTempFile(".a/b"));
            Assert.Throws<ArgumentException>(() => other.CreateTempFile(new string('x', 16)));
            Assert.Throws<ArgumentNullException>(() => other.CreateTempFile(null!));
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Bad_input_gets_specific_exceptions()
    {
        Assert.Equal("MaxSessions", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { MaxSessions = 0 })).ParamName);
        Assert.Equal("IdleTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { IdleTimeout = TimeSpan.Zero })).ParamName);
        Assert.Equal("SweepInterval", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { SweepInterval = TimeSpan.FromSeconds(-5) })).ParamName);
        Assert.Equal("TaskDrainTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { TaskDrainTimeout = Timeout.InfiniteTimeSpan })).ParamName);
        Assert.Equal("DisposeTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { DisposeTimeout = TimeSpan.Zero })).ParamName);
        Assert.Equal("OwnerReleaseTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { OwnerReleaseTimeout = TimeSpan.MaxValue })).ParamName);
        Assert.Equal("OverflowPolicy", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { OverflowPolicy = (SessionOverflowPolicy)7 })).ParamName);
        Assert.Equal("TempRoot", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { TempRoot = "  " })).ParamName);

        await using var registry = new SessionRegistry(NoSweep());
        Assert.Equal("id", Assert.Throws<ArgumentException>(() => registry.Open(default)).ParamName);
        Assert.Equal("id", Assert.Throws<ArgumentException>(() => registry.GetOrOpen(default)).ParamName);
        Assert.Throws<ArgumentException>(() => { _ = registry.EndAsync(default); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = registry.EndAsync(SessionId.New(), (SessionEndReason)42); });
        Assert.False(registry.TryGet(default, out _));
        Assert.False(registry.IsActive(default));
        Assert.Throws<ArgumentNullException>(() => registry.Register(null!));
        var owner = new MapOwner();
        using (registry.Register(owner))
        {
            Assert.Throws<InvalidOperationException>(() => registry.Register(owner));
        }

        using var again = registry.Register(owner); // left, so it may join again
    }

    [Fact]
    public async Task Options_are_copied_so_later_changes_do_not_apply()
    {
        var options = NoSweep(o => o.MaxSessions = 1);
        await using var registry = new SessionRegistry(options);
        options.MaxSessions = 0;
        Assert.Equal(1, registry.Options.MaxSessions);
        registry.Open(SessionId.New());
    }

    [Fact]
    public async Task Unregistered_owners_are_no_longer_released()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var owner = new MapOwner();
        var registration = registry.Register(owner);
        var s = registry.Open(SessionId.New());
        owner.LastText[s.Id] = "kept";
        registration.Dispose();
        registration.Dispose();
        await s.EndAsync();
        Assert.True(owner.LastText.ContainsKey(s.Id));
        Assert.True(registry.CheckResiduals().IsClean);
    }

    [Fact]
    public async Task Residuals_found_when_the_last_session_ends_are_logged_naming_the_member()
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        await using var registry = new SessionRegistry(NoSweep(), loggerFactory: loggerFactory);
        var owner = new MapOwner();
        registry.Register(owner);
        var s = registry.Open(SessionId.Parse("s"));
        owner.Counters["not-a-session"] = 1; // written with a key no session will release

        await s.EndAsync();

        var warning = Assert.Single(logs.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains("MapOwner.Counters=1", warning.Message);
        var residuals = registry.CheckResiduals();
        Assert.False(residuals.IsClean);
        Assert.Equal(0, residuals.ActiveSessions);
    }

    [Fact]
    public async Task Hand_written_owner_without_context_support_reports_its_total_and_failures()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var owner = new TotalOnlyOwner();
        registry.Register(owner);
        var s = registry.Open(SessionId.New());
        owner.Map[s.Id] = 1;
        var report = (await s.EndAsync())!;
        Assert.Equal(new OwnerEntriesRemoved("TotalOnlyOwner", "*", 1), Assert.Single(report.EntriesRemovedByMember));

        owner.Behaviour = id => throw new SessionReleaseException(id, 3, new[] { new InvalidOperationException("value dispose failed") });
        var s2 = registry.Open(SessionId.New());
        report = (await s2.EndAsync())!;
        Assert.Equal(3, report.EntriesRemoved);
        var failure = Assert.Single(report.Failures);
        Assert.Equal(TeardownStage.ReleaseOwners, failure.Stage);
        Assert.Equal("TotalOnlyOwner.*", failure.Subject);
        Assert.Equal("value dispose failed", failure.Exception.Message);
    }

    [Fact]
    public async Task Report_ToString_names_what_happened()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var owner = new MapOwner();
        registry.Register(owner);
        var s = registry.Open(SessionId.Parse("printable"));
        owner.LastText[s.Id] = "x";
        s.Own(new Res("r", throws: true));
        var text = (await s.EndAsync())!.ToString();
        Assert.Contains("session printable ended (Closed)", text);
        Assert.Contains("MapOwner.LastText=1", text);
        Assert.Contains("failure: DisposeResources", text);
        Assert.Contains("boom from r", text);
    }

    [Fact]
    public async Task Ended_session_and_its_owned_objects_are_collectable()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var (sessionRef, resourceRef) = await OpenUseAndEnd(registry);
        for (int i = 0; i < 5 && (sessionRef.IsAlive || resourceRef.IsAlive); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(10);
        }

        Assert.False(sessionRef.IsAlive, "the ended session is still reachable");
        Assert.False(resourceRef.IsAlive, "an owned resource of the ended session is still reachable");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<(WeakReference Session, WeakReference Resource)> OpenUseAndEnd(SessionRegistry registry)
    {
        var session = registry.Open(SessionId.New());
        var resource = session.Own(new Res("weak"));
        await session.Run(async ct => await Task.Yield(), "short");
        _ = session.Run(ct => Task.Delay(Timeout.Infinite, ct), "long");
        await session.EndAsync();
        return (new WeakReference(session), new WeakReference(resource));
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not reached in 10 s");
            }

            await Task.Delay(5);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
