using System;
using System.Threading;
using SessionGuard.Audio;

namespace SessionGuard.Tests.Audio;

/// <summary>The ring's lock on its own, outside any ring.</summary>
public class RingLockTests
{
    private sealed class Guarded
    {
        public RingLock Lock;
        public long Counter;
    }

    [Fact]
    public void TryEnter_fails_while_the_lock_is_held_and_succeeds_once_it_is_released()
    {
        var g = new Guarded();
        Assert.True(g.Lock.TryEnter());
        Assert.False(g.Lock.TryEnter());
        g.Lock.Exit();
        Assert.True(g.Lock.TryEnter());
        g.Lock.Exit();
    }

    /// <summary>Four threads increment a plain counter under the lock, some through Enter and some through TryEnter:
    /// no increment is lost, so no two threads were ever inside at once.</summary>
    [Fact]
    public void Four_threads_never_hold_the_lock_at_once()
    {
        const int PerThread = 200_000;
        var g = new Guarded();
        using var go = new Barrier(4);
        var threads = new Thread[4];
        long tried = 0;
        for (int t = 0; t < threads.Length; t++)
        {
            bool useTry = t % 2 == 1;
            threads[t] = new Thread(() =>
            {
                go.SignalAndWait();
                for (int i = 0; i < PerThread; i++)
                {
                    if (useTry)
                    {
                        while (!g.Lock.TryEnter())
                        {
                            Interlocked.Increment(ref tried);
                            Thread.SpinWait(1);
                        }
                    }
                    else
                    {
                        g.Lock.Enter();
                    }

                    g.Counter++;
                    g.Lock.Exit();
                }
            }) { IsBackground = true };
            threads[t].Start();
        }

        foreach (Thread t in threads)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a thread never finished: the lock was left held");
        }

        Assert.Equal(4L * PerThread, g.Counter);
        Assert.False(g.Lock.HasWaiters);
    }

    [Fact]
    public void A_thread_waiting_in_Enter_counts_as_a_waiter_until_it_gets_in()
    {
        var g = new Guarded();
        g.Lock.Enter();
        var waiter = new Thread(() =>
        {
            g.Lock.Enter();
            g.Counter = 1;
            g.Lock.Exit();
        }) { IsBackground = true };
        waiter.Start();
        Assert.True(SpinWait.SpinUntil(() => g.Lock.HasWaiters, TimeSpan.FromSeconds(30)), "the waiting thread never counted itself");
        Assert.Equal(0, Volatile.Read(ref g.Counter));
        g.Lock.Exit();
        Assert.True(waiter.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, g.Counter);
        Assert.False(g.Lock.HasWaiters);
    }

    [Fact]
    public void GiveWay_waits_only_once_per_GiveWayBytes_and_only_its_bound()
    {
        var g = new Guarded();
        g.Lock.AddWaiters(1);
        for (int written = 0; written < RingLock.GiveWayBytes - 1024; written += 1024)
        {
            g.Lock.GiveWay(1024);
        }

        Assert.Equal(0, g.Lock.GiveWays);
        g.Lock.GiveWay(1024);
        Assert.Equal(1, g.Lock.GiveWays);
        Assert.Equal(RingLock.GiveWayMaxTurns, g.Lock.GiveWayTurns);

        // With no waiter left it gives way at once.
        g.Lock.AddWaiters(-1);
        for (int written = 0; written < RingLock.GiveWayBytes; written += 1024)
        {
            g.Lock.GiveWay(1024);
        }

        Assert.Equal(2, g.Lock.GiveWays);
        Assert.Equal(RingLock.GiveWayMaxTurns, g.Lock.GiveWayTurns);
    }
}
