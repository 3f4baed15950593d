using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

public class PendingOperationsTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Success_returns_the_result_and_leaves_the_map()
    {
        var ops = new PendingOperations<SessionId, string>();
        var id = SessionId.New();
        var gate = new TaskCompletionSource<string>();
        var task = ops.Start(id, _ => gate.Task, Long);
        Assert.Equal(1, ops.Count);
        Assert.True(ops.Contains(id));
        gate.SetResult("translated");
        Assert.Equal("translated", await task);
        Assert.Equal(0, ops.Count);
    }

    [Fact]
    public async Task Synchronous_success_and_synchronous_throw_leave_the_map()
    {
        var ops = new PendingOperations<string, int>();
        Assert.Equal(7, await ops.Start("a", _ => Task.FromResult(7), Long));
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => ops.Start("b", _ => throw new InvalidOperationException("sync"), Long));
        Assert.Equal("sync", ex.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ops.Start("c", _ => null!, Long));
        Assert.Equal(0, ops.Count);
    }

    [Fact]
    public async Task Fault_propagates_and_leaves_the_map()
    {
        var ops = new PendingOperations<SessionId, string>();
        var task = ops.Start(SessionId.New(), async _ =>
        {
            await Task.Yield();
            throw new FormatException("bad reply");
        }, Long);
        var ex = await Assert.ThrowsAsync<FormatException>(() => task);
        Assert.Equal("bad reply", ex.Message);
        Assert.Equal(0, ops.Count);
    }

    [Fact]
    public async Task Operation_that_cancels_itself_cancels_the_task_and_leaves_the_map()
    {
        var ops = new PendingOperations<SessionId, string>();
        using var cts = new CancellationTokenSource();
        var task = ops.Start(SessionId.New(), async _ =>
        {
            await Task.Delay(Timeout.Infinite, cts.Token);
            return "never";
        }, Long);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.True(task.IsCanceled);
        Assert.Equal(0, ops.Count);
    }

    [Fact]
    public async Task Cancel_cancels_the_token_and_the_task_and_leaves_the_map()
    {
        var ops = new PendingOperations<SessionId, string>();
        var id = SessionId.New();
        CancellationToken seen = default;
        var task = ops.Start(id, async ct =>
        {
            seen = ct;
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        }, Long);
        Assert.True(ops.Cancel(id));
        Assert.False(ops.Cancel(id));
        Assert.True(seen.IsCancellationRequested);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.Equal(0, ops.Count);
    }

    [Fact]
    public async Task Timeout_cancels_the_operation_faults_with_TimeoutException_and_leaves_the_map()
    {
        var time = new FakeTimeProvider();
        var ops = new PendingOperations<SessionId, string>(timeProvider: time);
        var id = SessionId.Parse("slow-translation");
        CancellationToken seen = default;
        var task = ops.Start(id, async ct =>
        {
            seen = ct;
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        }, TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(task.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => task);
        Assert.Contains("slow-translation", ex.Message);
        Assert.True(seen.IsCancellationRequested);
        Assert.Equal(0, ops.Count);
    }

    [Fact]
    public async Task A_late_fault_after_a_timeout_is_observed()
    {
        var time = new FakeTimeProvider();
        var ops = new PendingOperations<string, int>(timeProvider: time);
        var gate = new TaskCompletionSource<int>();
        var task = ops.Start("k", _ => gate.Task, TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => task);
        gate.SetException(new InvalidOperationException("late"));
        Assert.True(gate.Task.IsFaulted);
        Assert.Equal(0, ops.Count);
    }

    [Fact]
    public async Task Start_for_a_pending_key_throws_and_keeps_the_first_operation()
    {
        var ops = new PendingOperations<SessionId, int>();
        var id = SessionId.New();
        var gate = new TaskCompletionSource<int>();
        var first = ops.Start(id, _ => gate.Task, Long);
        var ex = Assert.Throws<InvalidOperationException>(() => { _ = ops.Start(id, _ => Task.FromResult(2), Long); });
        Assert.Contains("already pending", ex.Message);
        Assert.Equal(1, ops.Count);
        gate.SetResult(1);
        Assert.Equal(1, await first);
    }

    [Fact]
    public async Task StartOrJoin_and_TryJoin_share_one_operation()
    {
        var ops = new PendingOperations<SessionId, int>();
        var id = SessionId.New();
        int calls = 0;
        var gate = new TaskCompletionSource<int>();
        using var start = new Barrier(8);
        var tasks = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                return ops.StartOrJoin(id, _ =>
                {
                    Interlocked.Increment(ref calls);
                    return gate.Task;
                }, Long);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)));
        Assert.Equal(1, calls);
        Assert.True(ops.TryJoin(id, out var joined));
        Assert.All(tasks, t => Assert.Same(joined, t));
        gate.SetResult(42);
        Assert.Equal(42, await joined);
        Assert.False(ops.TryJoin(id, out _));
    }

    [Fact]
    public async Task CancelAll_cancels_exactly_the_matching_keys()
    {
        var ops = new PendingOperations<(SessionId Session, string Lang), string>();
        var a = SessionId.Parse("a");
        var b = SessionId.Parse("b");
        var never = new TaskCompletionSource<string>().Task;
        var a1 = ops.Start((a, "en"), _ => never, Long);
        var a2 = ops.Start((a, "fr"), _ => never, Long);
        var b1 = ops.Start((b, "en"), _ => never, Long);
        Assert.Equal(2, ops.CancelAll(static (k, s) => k.Session == s, a));
        Assert.True(a1.IsCanceled && a2.IsCanceled);
        Assert.False(b1.IsCompleted);
        Assert.Equal(1, ops.CancelAll(k => k.Lang == "en"));
        Assert.True(b1.IsCanceled);
        Assert.Equal(0, ops.Count);
        await Task.CompletedTask;
    }

    [Fact]
    public void Bad_input_gets_specific_exceptions()
    {
        var ops = new PendingOperations<SessionId, int>();
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => { _ = ops.Start(default, _ => Task.FromResult(1), Long); }).ParamName);
        Assert.Equal("operation", Assert.Throws<ArgumentNullException>(() => { _ = ops.Start(SessionId.New(), null!, Long); }).ParamName);
        Assert.Equal("timeout", Assert.Throws<ArgumentOutOfRangeException>(() => { _ = ops.Start(SessionId.New(), _ => Task.FromResult(1), TimeSpan.Zero); }).ParamName);
        Assert.Equal("timeout", Assert.Throws<ArgumentOutOfRangeException>(() => { _ = ops.StartOrJoin(SessionId.New(), _ => Task.FromResult(1), TimeSpan.FromSeconds(-1)); }).ParamName);
        var strings = new PendingOperations<string, int>();
        Assert.Throws<ArgumentNullException>(() => { _ = strings.Start(null!, _ => Task.FromResult(1), Long); });
        Assert.Throws<ArgumentNullException>(() => ops.CancelAll(null!));
        Assert.Equal(0, ops.Count);
    }

    [Fact]
    public async Task Stress_many_threads_start_complete_fail_cancel_and_time_out_and_the_map_ends_empty()
    {
        var ops = new PendingOperations<(SessionId Session, int N), int>();
        var sessions = Enumerable.Range(0, 16).Select(_ => SessionId.New()).ToArray();
        int results = 0, faults = 0, cancels = 0, timeouts = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            var rng = new Random(t);
            var pending = new System.Collections.Generic.List<Task<int>>();
            for (int i = 0; i < 5000; i++)
            {
                var key = (sessions[rng.Next(sessions.Length)], t * 100_000 + i);
                int kind = rng.Next(5);
                pending.Add(kind switch
                {
                    0 => ops.Start(key, async _ => { await Task.Yield(); return 1; }, Long),
                    1 => ops.Start(key, async _ => { await Task.Yield(); throw new InvalidOperationException(); }, Long),
                    2 => ops.Start(key, ct => Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => 0, TaskScheduler.Default), TimeSpan.FromMilliseconds(1)),
                    _ => ops.Start(key, ct => Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => 0, TaskScheduler.Default), Long),
                });
                if (kind >= 3)
                {
                    if (rng.Next(2) == 0)
                    {
                        ops.Cancel(key);
                    }
                    else
                    {
                        ops.CancelAll(static (k, s) => k.Session == s, key.Item1);
                    }
                }
            }

            foreach (var task in pending)
            {
                try
                {
                    await task;
                    Interlocked.Increment(ref results);
                }
                catch (TimeoutException)
                {
                    Interlocked.Increment(ref timeouts);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancels);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref faults);
                }
            }
        })));

        Assert.Equal(40_000, results + faults + cancels + timeouts);
        Assert.True(results > 0 && faults > 0 && cancels > 0 && timeouts > 0);
        Assert.Equal(0, ops.Count);
    }
    [Fact]
    public async Task A_cancel_that_lands_before_the_timer_exists_leaves_no_timer_and_never_runs_the_operation()
    {
        // The cancel comes between the entry's publication and its timer's creation: the provider cancels the
        // key from inside CreateTimer, which is exactly that moment.
        PendingOperations<string, int>? ops = null;
        var time = new CountingTimeProvider(onCreate: () => Assert.True(ops!.Cancel("a")));
        ops = new PendingOperations<string, int>(timeProvider: time);
        bool ran = false;
        var task = ops.Start("a", _ => { ran = true; return Task.FromResult(1); }, Long);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.Equal(1, time.Created);
        Assert.Equal(0, time.Live);
        Assert.False(ran);
        Assert.Equal(0, ops.Count);
    }

    [Fact]
    public async Task Stress_cancels_racing_starts_leave_no_timer_running()
    {
        var time = new CountingTimeProvider();
        var ops = new PendingOperations<(int Thread, int N), int>(timeProvider: time);
        await Task.WhenAll(Enumerable.Range(0, 2).Select(t => Task.Run(async () =>
        {
            var pending = new System.Collections.Generic.List<Task<int>>();
            for (int i = 0; i < 5_000; i++)
            {
                var key = (t, i);

                // The canceller waits for the entry to appear, so that its cancel lands as close as it can to the
                // start's publication of the entry.
                var canceller = Task.Run(() =>
                {
                    var spin = new SpinWait();
                    while (!ops.Contains(key) && !spin.NextSpinWillYield)
                    {
                        spin.SpinOnce();
                    }

                    ops.Cancel(key);
                });
                pending.Add(ops.StartOrJoin(key, ct => Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => 0, TaskScheduler.Default), Long));
                await canceller;
                ops.Cancel(key);
            }

            foreach (var task in pending)
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
            }
        })));

        Assert.Equal(0, ops.Count);
        Assert.Equal(10_000, time.Created);
        Assert.Equal(0, time.Live);
    }

    /// <summary>Counts the timers it creates and those still undisposed; the timers never fire.</summary>
    private sealed class CountingTimeProvider(Action? onCreate = null) : TimeProvider
    {
        private int _created;
        private int _live;

        public int Created => Volatile.Read(ref _created);

        public int Live => Volatile.Read(ref _live);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _created);
            Interlocked.Increment(ref _live);
            onCreate?.Invoke();
            return new CountedTimer(this);
        }

        private sealed class CountedTimer(CountingTimeProvider owner) : ITimer
        {
            private int _disposed;

            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    Interlocked.Decrement(ref owner._live);
                }
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
