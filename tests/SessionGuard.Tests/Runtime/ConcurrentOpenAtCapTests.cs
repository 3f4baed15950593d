using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

/// <summary>Eight threads calling GetOrOpen for one new id at the cap get one session between them, which takes one
/// slot: under EvictIdlest exactly one session is evicted for it, and under Reject no caller is refused while another
/// opens the id.</summary>
public class ConcurrentOpenAtCapTests
{
    private const int Threads = 8;
    private const int Rounds = 150;

    [Fact]
    public async Task Concurrent_GetOrOpen_of_one_new_id_at_the_cap_evicts_exactly_one_session()
    {
        const int Max = 16;
        var registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = Max, OverflowPolicy = SessionOverflowPolicy.EvictIdlest, SweepInterval = Timeout.InfiniteTimeSpan });
        var live = new List<Session>();
        for (int i = 0; i < Max; i++)
        {
            live.Add(registry.Open(SessionId.Parse("held-" + i)));
        }

        for (int round = 0; round < Rounds; round++)
        {
            Session[] got = OpenTogether(registry, SessionId.Parse("new-" + round));
            Assert.All(got, s => Assert.Same(got[0], s));
            Assert.True(got[0].IsActive);

            List<Session> evicted = live.Where(s => !s.IsActive).ToList();
            Assert.True(evicted.Count == 1, $"round {round}: {evicted.Count} sessions evicted for one new id");
            Assert.Equal(Max, registry.ActiveCount);
            live.Remove(evicted[0]);
            live.Add(got[0]);
        }

        await registry.DisposeAsync();
    }

    [Fact]
    public async Task Concurrent_GetOrOpen_of_one_new_id_for_the_last_slot_refuses_no_caller_under_Reject()
    {
        const int Max = 16;
        var registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = Max, OverflowPolicy = SessionOverflowPolicy.Reject, SweepInterval = Timeout.InfiniteTimeSpan });
        for (int i = 0; i < Max - 1; i++)
        {
            registry.Open(SessionId.Parse("held-" + i));
        }

        for (int round = 0; round < Rounds; round++)
        {
            Session[] got = OpenTogether(registry, SessionId.Parse("last-" + round));
            Assert.All(got, s => Assert.Same(got[0], s));
            Assert.Equal(Max, registry.ActiveCount);
            await got[0].EndAsync();
            Assert.Equal(Max - 1, registry.ActiveCount);
        }

        await registry.DisposeAsync();
    }

    /// <summary>Calls GetOrOpen from <see cref="Threads"/> threads released together; rethrows what any of them threw.</summary>
    private static Session[] OpenTogether(SessionRegistry registry, SessionId id)
    {
        var got = new Session[Threads];
        var errors = new Exception?[Threads];
        using var go = new Barrier(Threads);
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int index = t;
            threads[t] = new Thread(() =>
            {
                go.SignalAndWait();
                try
                {
                    got[index] = registry.GetOrOpen(id);
                }
                catch (Exception e)
                {
                    errors[index] = e;
                }
            }) { IsBackground = true };
            threads[t].Start();
        }

        foreach (Thread t in threads)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(60)), "GetOrOpen never returned");
        }

        Exception? error = errors.FirstOrDefault(e => e is not null);
        Assert.True(error is null, $"a caller failed: {error}");
        return got;
    }
}
