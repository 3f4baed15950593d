using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

/// <summary>
/// <see cref="SessionOverflowPolicy.EvictIdlest"/> evicts exactly the session idle the longest, whatever was touched,
/// ended or evicted before; and the order it keeps never grows past the live sessions, however many have come and gone.
/// </summary>
public class EvictIdlestTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Every_eviction_takes_the_session_a_full_scan_would_take(int seed)
    {
        const int Max = 24;
        var random = new Random(seed);
        var time = new FakeTimeProvider();
        var registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = Max, SweepInterval = Timeout.InfiniteTimeSpan }, time);
        var live = new List<Session>();
        int next = 0;
        int evictions = 0;
        for (int step = 0; step < 3000; step++)
        {
            // Every activity gets its own instant: the idlest session is unique.
            time.Advance(TimeSpan.FromMilliseconds(1 + random.Next(5)));
            int op = random.Next(10);
            if (op < 5 && live.Count > 0)
            {
                live[random.Next(live.Count)].Touch();
            }
            else if (op < 6 && live.Count > 0)
            {
                var ending = live[random.Next(live.Count)];
                live.Remove(ending);
                await ending.EndAsync();
            }
            else
            {
                Session? expected = live.Count < Max ? null : live.MinBy(s => s.LastActivityTicks);
                var opened = registry.Open(SessionId.Parse("s-" + next++));
                if (expected is not null)
                {
                    Assert.False(expected.IsActive, $"step {step}: the idlest session was not the one evicted");
                    Assert.Single(live, s => !s.IsActive);
                    live.Remove(expected);
                    evictions++;
                }

                Assert.All(live, s => Assert.True(s.IsActive));
                live.Add(opened);
            }
        }

        Assert.True(evictions > 100, $"only {evictions} evictions: the test did not exercise the cap");
        await registry.DisposeAsync();
    }

    [Fact]
    public async Task The_idle_order_stays_within_twice_the_live_sessions_over_many_open_and_end_cycles()
    {
        var registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = 100, SweepInterval = Timeout.InfiniteTimeSpan });
        var held = Enumerable.Range(0, 10).Select(i => registry.Open(SessionId.Parse("held-" + i))).ToList();
        for (int i = 0; i < 20_000; i++)
        {
            await registry.Open(SessionId.Parse("cycle-" + i)).EndAsync();
        }

        Assert.InRange(registry.IdleOrderCount, 0, (2 * 11) + 64);
        Assert.All(held, s => Assert.True(s.IsActive));
        await registry.DisposeAsync();
    }

    [Fact]
    public async Task Threads_opening_past_the_cap_together_evict_one_session_each_and_keep_the_cap()
    {
        const int Max = 64;
        const int Threads = 4;
        const int PerThread = 2000;
        var registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = Max, SweepInterval = Timeout.InfiniteTimeSpan });
        int evicted = 0;
        registry.SessionEnded += (_, r) =>
        {
            if (r.Reason == SessionEndReason.Evicted)
            {
                Interlocked.Increment(ref evicted);
            }
        };

        var workers = Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                var session = registry.Open(SessionId.Parse($"t{t}-{i}"));
                if (i % 3 == 0)
                {
                    session.Touch();
                }

                Assert.InRange(registry.ActiveCount, 1, Max);
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(Max, registry.ActiveCount);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (Volatile.Read(ref evicted) < (Threads * PerThread) - Max)
            {
                await Task.Delay(5, timeout.Token);
            }
        }

        Assert.Equal((Threads * PerThread) - Max, Volatile.Read(ref evicted));
        await registry.DisposeAsync();
    }
}
