using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionGuard;
using static SessionGuard.Tests.Runtime.TestRegistries;

namespace SessionGuard.Tests.Runtime;

/// <summary>Idle expiry: the sweep, its timer on the time provider, and slow teardowns during a sweep.</summary>
public class IdleExpiryTests
{
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
}
