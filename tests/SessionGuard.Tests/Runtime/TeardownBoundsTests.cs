using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

/// <summary>
/// Teardown runs user code (Ending callbacks, Dispose, owners' releases); when that code blocks, the caller of EndAsync,
/// Open, the sweep and DisposeAsync must not block with it, and each step's timeout must bound the blocking call itself,
/// with the overrun in the report.
/// </summary>
public class TeardownBoundsTests
{
    // Turns a hang into a failure; never a timing claim.
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_Dispose_that_blocks_is_abandoned_at_DisposeTimeout_and_the_rest_of_the_teardown_runs()
    {
        var (registry, time) = Create();
        var owner = new MapOwner();
        registry.Register(owner);
        var blocker = new BlockingDisposable();
        var session = registry.Open(SessionId.Parse("blocked-dispose"));
        var first = session.Own(new Res("first"));
        session.Own(blocker);
        var last = session.Own(new Res("last"));
        owner.LastText[session.Id] = "x";

        var ending = await Returns(() => session.EndAsync());
        await blocker.Entered.WaitAsync(Hang);
        Assert.False(ending.IsCompleted);

        time.Advance(StepTimeout + TimeSpan.FromSeconds(1));
        var report = await ending.WaitAsync(Hang);

        var failure = Assert.Single(report.Failures);
        Assert.Equal(TeardownStage.DisposeResources, failure.Stage);
        Assert.Equal(typeof(BlockingDisposable).FullName, failure.Subject);
        var timeout = Assert.IsType<TimeoutException>(failure.Exception);
        Assert.Contains("DisposeTimeout", timeout.Message);
        Assert.Equal(2, report.ResourcesDisposed);
        Assert.Equal(1, first.Disposals);
        Assert.Equal(1, last.Disposals);
        Assert.Equal(1, report.EntriesRemoved);
        Assert.Empty(owner.LastText);
        Assert.True(session.IsEnded);

        // The blocked call returning late changes nothing.
        blocker.Release();
        await blocker.Returned.WaitAsync(Hang);
        Assert.Equal(2, report.ResourcesDisposed);
        await registry.DisposeAsync();
    }

    [Fact]
    public async Task An_Ending_callback_that_blocks_counts_against_TaskDrainTimeout_and_is_reported()
    {
        var (registry, time) = Create();
        var owner = new MapOwner();
        registry.Register(owner);
        var session = registry.Open(SessionId.Parse("blocked-callback"));
        var resource = session.Own(new Res("r"));
        owner.LastText[session.Id] = "x";
        using var release = new ManualResetEventSlim();
        using var entered = new ManualResetEventSlim();
        session.Ending.Register(() =>
        {
            entered.Set();
            release.Wait();
        });

        var ending = await Returns(() => session.EndAsync());
        Assert.True(await Task.Run(() => entered.Wait(Hang)));
        time.Advance(StepTimeout + TimeSpan.FromSeconds(1));
        var report = await ending.WaitAsync(Hang);

        var failure = Assert.Single(report.Failures);
        Assert.Equal(TeardownStage.Cancel, failure.Stage);
        Assert.Contains("TaskDrainTimeout", Assert.IsType<TimeoutException>(failure.Exception).Message);
        Assert.Equal(1, resource.Disposals);
        Assert.Empty(owner.LastText);
        Assert.True(session.Ending.IsCancellationRequested);
        release.Set();
        await registry.DisposeAsync();
    }

    [Fact]
    public async Task An_owner_whose_release_blocks_before_returning_is_abandoned_at_OwnerReleaseTimeout()
    {
        var (registry, time) = Create();
        var blocking = new BlockingOwner();
        var after = new MapOwner();
        registry.Register(blocking);
        registry.Register(after);
        var session = registry.Open(SessionId.Parse("blocked-owner"));
        after.LastText[session.Id] = "x";

        var ending = await Returns(() => session.EndAsync());
        await blocking.Entered.WaitAsync(Hang);
        time.Advance(StepTimeout + TimeSpan.FromSeconds(1));
        var report = await ending.WaitAsync(Hang);

        var failure = Assert.Single(report.Failures);
        Assert.Equal(TeardownStage.ReleaseOwners, failure.Stage);
        Assert.Equal(nameof(BlockingOwner), failure.Subject);
        Assert.Contains("OwnerReleaseTimeout", Assert.IsType<TimeoutException>(failure.Exception).Message);

        // What the owner recorded before it blocked is reported; what it records after is not.
        Assert.Contains(report.EntriesRemovedByMember, e => e.Owner == nameof(BlockingOwner) && e.Member == "Before" && e.Count == 1);
        Assert.Empty(after.LastText);
        blocking.Release();
        await blocking.Returned.WaitAsync(Hang);
        Assert.DoesNotContain(report.EntriesRemovedByMember, e => e.Member == "After");
        await registry.DisposeAsync();
    }

    [Fact]
    public async Task Open_at_the_cap_returns_while_the_evicted_sessions_Dispose_blocks()
    {
        var (registry, time) = Create(o =>
        {
            o.MaxSessions = 1;
            o.OverflowPolicy = SessionOverflowPolicy.EvictIdlest;
        });
        var blocker = new BlockingDisposable();
        var victim = registry.Open(SessionId.Parse("victim"));
        victim.Own(blocker);

        var opened = await Returns(() => registry.Open(SessionId.Parse("newcomer")));
        Assert.True(opened.IsActive);
        await blocker.Entered.WaitAsync(Hang);
        Assert.False(victim.IsActive);

        time.Advance(StepTimeout + TimeSpan.FromSeconds(1));
        var report = await victim.EndAsync().WaitAsync(Hang);
        Assert.Equal(SessionEndReason.Evicted, report.Reason);
        Assert.Contains(report.Failures, f => f.Stage == TeardownStage.DisposeResources && f.Exception is TimeoutException);
        blocker.Release();
        await registry.DisposeAsync();
    }

    [Fact]
    public async Task One_blocking_Dispose_holds_up_no_other_session_in_DisposeAsync_or_the_sweep()
    {
        var (registry, time) = Create(o => o.IdleTimeout = TimeSpan.FromMinutes(1));
        var ended = new ConcurrentDictionary<SessionId, SessionTeardownReport>();
        registry.SessionEnded += (_, r) => ended[r.SessionId] = r;
        using var blockers = new DisposableList();
        var idle = new List<Session>();
        for (int i = 0; i < 4; i++)
        {
            var session = registry.Open(SessionId.Parse("idle-" + i));
            if (i == 0)
            {
                session.Own(blockers.Add(new BlockingDisposable()));
            }

            session.Own(new Res("r" + i));
            idle.Add(session);
        }

        time.Advance(TimeSpan.FromMinutes(2));
        var sweep = await Returns(() => registry.SweepAsync());
        await blockers[0].Entered.WaitAsync(Hang);

        // The three others end while the first is stuck in Dispose.
        await WaitUntil(() => ended.Count == 3);
        Assert.False(ended.ContainsKey(idle[0].Id));
        Assert.False(sweep.IsCompleted);

        // DisposeAsync, likewise, ends the sessions that do not block while one does.
        var late = new List<Session>();
        for (int i = 0; i < 3; i++)
        {
            var session = registry.Open(SessionId.Parse("late-" + i));
            if (i == 1)
            {
                session.Own(blockers.Add(new BlockingDisposable()));
            }

            late.Add(session);
        }

        var disposal = await Returns(() => registry.DisposeAsync().AsTask());
        await blockers[1].Entered.WaitAsync(Hang);
        await WaitUntil(() => ended.ContainsKey(late[0].Id) && ended.ContainsKey(late[2].Id));
        Assert.False(disposal.IsCompleted);

        time.Advance(StepTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(4, await sweep.WaitAsync(Hang));
        await disposal.WaitAsync(Hang);
        Assert.Equal(7, ended.Count);
        Assert.Contains(ended[idle[0].Id].Failures, f => f.Exception is TimeoutException);
        Assert.Contains(ended[late[1].Id].Failures, f => f.Exception is TimeoutException);
        blockers.ReleaseAll();
    }

    [Fact]
    public async Task The_callers_token_stops_its_wait_and_the_teardown_still_runs_to_the_end()
    {
        var (registry, time) = Create();
        var blocker = new BlockingDisposable();
        var session = registry.Open(SessionId.Parse("cancelled-wait"));
        session.Own(blocker);
        var otherBlocker = new BlockingDisposable();
        var other = registry.Open(SessionId.Parse("cancelled-wait-2"));
        other.Own(otherBlocker);

        using var cts = new CancellationTokenSource();
        var byRegistry = await Returns(() => registry.EndAsync(session.Id, cancellationToken: cts.Token).AsTask());
        var bySession = await Returns(() => other.EndAsync(SessionEndReason.Closed, cts.Token));
        await blocker.Entered.WaitAsync(Hang);
        await otherBlocker.Entered.WaitAsync(Hang);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => byRegistry.WaitAsync(Hang));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bySession.WaitAsync(Hang));

        time.Advance(StepTimeout + TimeSpan.FromSeconds(1));
        var report = await session.EndAsync().WaitAsync(Hang);
        var otherReport = await other.EndAsync().WaitAsync(Hang);
        Assert.Contains(report.Failures, f => f.Exception is TimeoutException);
        Assert.Contains(otherReport.Failures, f => f.Exception is TimeoutException);
        blocker.Release();
        otherBlocker.Release();
        await registry.DisposeAsync();
    }

    [Fact]
    public async Task Many_teardowns_with_some_blocking_calls_all_finish_and_report_exactly_the_blocked_ones()
    {
        const int Sessions = 300;
        const int Threads = 4;
        var registry = new SessionRegistry(new SessionRegistryOptions
        {
            SweepInterval = Timeout.InfiniteTimeSpan,
            DisposeTimeout = TimeSpan.FromMilliseconds(50),
            OwnerReleaseTimeout = TimeSpan.FromMilliseconds(50),
            TaskDrainTimeout = TimeSpan.FromMilliseconds(50),
        });
        var owner = new MapOwner();
        registry.Register(owner);
        using var blockers = new DisposableList();
        var blockedIds = new HashSet<SessionId>();
        var sessions = new Session[Sessions];
        var resources = new Res[Sessions];
        for (int i = 0; i < Sessions; i++)
        {
            sessions[i] = registry.Open(SessionId.Parse("stress-" + i));
            resources[i] = sessions[i].Own(new Res("r" + i));
            owner.LastText[sessions[i].Id] = "x";
            if (i % 60 == 7)
            {
                sessions[i].Own(blockers.Add(new BlockingDisposable()));
                blockedIds.Add(sessions[i].Id);
            }
        }

        var reports = new ConcurrentDictionary<SessionId, SessionTeardownReport>();
        var enders = Enumerable.Range(0, Threads).Select(t => Task.Run(async () =>
        {
            var pending = new List<Task<SessionTeardownReport>>();
            for (int i = t; i < Sessions; i += Threads)
            {
                pending.Add(sessions[i].EndAsync());

                // Some sessions are ended twice, from two threads: one teardown, one report.
                pending.Add(sessions[(i * 7) % Sessions].EndAsync());
            }

            foreach (var report in await Task.WhenAll(pending))
            {
                reports.TryAdd(report.SessionId, report);
            }
        })).ToArray();

        await Task.WhenAll(enders).WaitAsync(Hang);
        Assert.Equal(Sessions, reports.Count);
        foreach (var (id, report) in reports)
        {
            bool blocked = blockedIds.Contains(id);
            Assert.Equal(blocked ? 1 : 0, report.Failures.Count);
            Assert.Equal(1, report.ResourcesDisposed);
            Assert.Equal(1, report.EntriesRemoved);
        }

        Assert.All(resources, r => Assert.Equal(1, r.Disposals));
        Assert.Empty(owner.LastText);
        Assert.Equal(0, registry.ActiveCount);
        blockers.ReleaseAll();
        await registry.DisposeAsync();
    }

    private static (SessionRegistry Registry, FakeTimeProvider Time) Create(Action<SessionRegistryOptions>? configure = null)
    {
        var time = new FakeTimeProvider();
        var options = new SessionRegistryOptions
        {
            SweepInterval = Timeout.InfiniteTimeSpan,
            TaskDrainTimeout = StepTimeout,
            DisposeTimeout = StepTimeout,
            OwnerReleaseTimeout = StepTimeout,
        };
        configure?.Invoke(options);
        return (new SessionRegistry(options, time), time);
    }

    /// <summary>Makes the call on a pool thread and returns what it returned: a call that blocks (a teardown run on the
    /// caller's thread) fails the test instead of hanging it.</summary>
    private static Task<T> Returns<T>(Func<T> call) => Task.Run(call).WaitAsync(Hang);

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Hang);
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    /// <summary>A Dispose that blocks its thread until released.</summary>
    private sealed class BlockingDisposable : IDisposable
    {
        private readonly ManualResetEventSlim _release = new();
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _returned = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public Task Returned => _returned.Task;

        public void Release() => _release.Set();

        public void Dispose()
        {
            _entered.TrySetResult();
            _release.Wait();
            _returned.TrySetResult();
        }
    }

    /// <summary>An owner whose release records one member, then blocks before returning, then records another.</summary>
    private sealed class BlockingOwner : ISessionScoped
    {
        private readonly ManualResetEventSlim _release = new();
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _returned = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public Task Returned => _returned.Task;

        public int MemberCount => 2;

        public string GetMemberName(int index) => index == 0 ? "Before" : "After";

        public int GetLiveEntryCount(int index) => 0;

        public void Release() => _release.Set();

        public ValueTask<int> ReleaseSessionAsync(SessionId session) => throw new NotSupportedException();

        public ValueTask<int> ReleaseSessionAsync(SessionId session, SessionReleaseContext context)
        {
            context.EntriesRemoved("Before", 1);
            _entered.TrySetResult();
            _release.Wait();
            context.EntriesRemoved("After", 1);
            _returned.TrySetResult();
            return new ValueTask<int>(2);
        }
    }

    private sealed class DisposableList : IDisposable
    {
        private readonly List<BlockingDisposable> _items = new();

        public BlockingDisposable this[int index] => _items[index];

        public BlockingDisposable Add(BlockingDisposable item)
        {
            _items.Add(item);
            return item;
        }

        public void ReleaseAll()
        {
            foreach (var item in _items)
            {
                item.Release();
            }
        }

        public void Dispose() => ReleaseAll();
    }
}

/// <summary>The owners a teardown releases are the ones registered when its release step began: an owner removed or
/// added meanwhile neither shifts nor repeats the others.</summary>
public class TeardownOwnerSetTests
{
    [Fact]
    public async Task An_owner_that_unregisters_itself_during_its_release_does_not_make_the_next_one_skipped()
    {
        var registry = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan });
        var first = new SelfRemovingOwner();
        var second = new MapOwner();
        var third = new MapOwner();
        first.Registration = registry.Register(first);
        registry.Register(second);
        registry.Register(third);
        var session = registry.Open(SessionId.Parse("owner-set"));
        second.LastText[session.Id] = "x";
        third.LastText[session.Id] = "y";

        var report = await session.EndAsync();

        Assert.Empty(second.LastText);
        Assert.Empty(third.LastText);
        Assert.Equal(2, report.EntriesRemoved);
        await registry.DisposeAsync();
    }

    private sealed class SelfRemovingOwner : ISessionScoped
    {
        public IDisposable? Registration { get; set; }

        public int MemberCount => 0;

        public string GetMemberName(int index) => throw new ArgumentOutOfRangeException(nameof(index));

        public int GetLiveEntryCount(int index) => throw new ArgumentOutOfRangeException(nameof(index));

        public ValueTask<int> ReleaseSessionAsync(SessionId session)
        {
            Registration?.Dispose();
            return new ValueTask<int>(0);
        }
    }
}
