using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

public class RegistryStressTests
{
    /// <summary>An owner holding pending operations per session.</summary>
    private sealed class PendingOwner : ISessionScoped
    {
        public PendingOperations<(SessionId Session, int N), string> Ops { get; } = new();

        public int MemberCount => 1;

        public string GetMemberName(int index) => nameof(Ops);

        public int GetLiveEntryCount(int index) => Ops.Count;

        public ValueTask<int> ReleaseSessionAsync(SessionId session) =>
            new(Ops.CancelAll(static (k, s) => k.Session == s, session));
    }

    [Fact]
    public async Task Eight_threads_open_use_and_end_100k_sessions_and_nothing_is_left()
    {
        const int Threads = 8;
        const int SessionsPerThread = 12_500;
        await using var registry = new SessionRegistry(new SessionRegistryOptions
        {
            SweepInterval = Timeout.InfiniteTimeSpan,
            MaxSessions = 100_000,
            TaskDrainTimeout = TimeSpan.FromSeconds(30), // every task here honours cancellation; a busy CI machine must not turn that into a miss
        });
        var map = new MapOwner();
        var pending = new PendingOwner();
        registry.Register(map);
        registry.Register(pending);
        var reportsSeen = new ConcurrentDictionary<SessionId, SessionTeardownReport>();
        registry.SessionEnded += (_, r) => Assert.True(reportsSeen.TryAdd(r.SessionId, r), "a session was reported twice");
        long resourcesOwned = 0, resourcesDisposedOk = 0, disposeFailures = 0, tasksRun = 0, expectedFaults = 0;
        var allResources = new ConcurrentBag<Res>();

        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(async () =>
        {
            var rng = new Random(1000 + t);
            for (int i = 0; i < SessionsPerThread; i++)
            {
                var id = SessionId.New();
                var session = rng.Next(2) == 0 ? registry.Open(id) : registry.GetOrOpen(id);
                int tasks = rng.Next(4), faults = 0, owned = rng.Next(4), throwing = 0;
                for (int k = 0; k < tasks; k++)
                {
                    switch (rng.Next(4))
                    {
                        case 0:
                            _ = session.Run(_ => Task.CompletedTask);
                            break;
                        case 1:
                            _ = session.Run(async ct => await Task.Delay(Timeout.Infinite, ct));
                            break;
                        case 2:
                            faults++;
                            _ = session.Run(async _ =>
                            {
                                await Task.Yield();
                                throw new InvalidOperationException("task fault");
                            });
                            break;
                        default:
                            _ = session.Run(async _ => await Task.Yield());
                            break;
                    }
                }

                for (int k = 0; k < owned; k++)
                {
                    bool throws = rng.Next(10) == 0;
                    throwing += throws ? 1 : 0;
                    var res = session.Own(new Res("r", throws: throws));
                    allResources.Add(res);
                }

                map.LastText[id] = "text";
                if (rng.Next(2) == 0)
                {
                    map.Counters[id.Value] = i;
                }

                int ops = rng.Next(3);
                for (int k = 0; k < ops; k++)
                {
                    _ = pending.Ops.Start((id, k), ct => Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => "x", TaskScheduler.Default), TimeSpan.FromMinutes(5));
                }

                SessionTeardownReport report;
                switch (rng.Next(3))
                {
                    case 0:
                        report = (await registry.EndAsync(id))!;
                        break;
                    case 1:
                        report = await session.EndAsync();
                        break;
                    default:
                        var first = registry.EndAsync(id).AsTask();
                        var second = session.EndAsync();
                        var both = new[] { (await first)!, await second };
                        Assert.Same(both[0], both[1]);
                        report = both[0]!;
                        break;
                }

                Assert.Equal(tasks, report.TasksStarted);
                Assert.True(report.TasksFaulted <= faults);
                Assert.Equal(0, report.TasksMissedDrain);
                Assert.Equal(owned - throwing, report.ResourcesDisposed);
                Assert.Equal(throwing, report.Failures.Count(f => f.Stage == TeardownStage.DisposeResources));
                Assert.True(report.EntriesRemoved >= 1 + ops);
                Assert.False(registry.IsActive(id));
                Interlocked.Add(ref resourcesOwned, owned);
                Interlocked.Add(ref resourcesDisposedOk, report.ResourcesDisposed);
                Interlocked.Add(ref disposeFailures, throwing);
                Interlocked.Add(ref tasksRun, tasks);
                Interlocked.Add(ref expectedFaults, faults);
            }
        })));

        Assert.Equal(0, registry.ActiveCount);
        var residuals = registry.CheckResiduals();
        Assert.True(residuals.IsClean, residuals.ToString());
        Assert.Equal(Threads * SessionsPerThread, reportsSeen.Count);
        Assert.Equal(resourcesOwned, resourcesDisposedOk + disposeFailures);
        Assert.All(allResources, r => Assert.Equal(1, r.Disposals));
        Assert.Equal(tasksRun, reportsSeen.Values.Sum(r => (long)r.TasksStarted));
        Assert.Empty(map.LastText);
        Assert.Empty(map.Counters);
        Assert.Equal(0, pending.Ops.Count);
    }
}
