using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionGuard;
using static SessionGuard.Tests.Runtime.TestRegistries;

namespace SessionGuard.Tests.Runtime;

/// <summary>Opening sessions: concurrent GetOrOpen, and the cap with its overflow policies.</summary>
public class SessionOpenAndCapTests
{
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

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
