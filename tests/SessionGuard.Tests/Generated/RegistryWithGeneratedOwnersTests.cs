using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionGuard;

namespace SessionGuard.Tests.Generated;

/// <summary>Generated owners registered through DI with the registry: ending sessions leaves nothing behind.</summary>
public class RegistryWithGeneratedOwnersTests
{
    [Fact]
    public async Task Ending_every_session_leaves_CheckResiduals_clean_and_reports_each_member_by_name()
    {
        var services = new ServiceCollection();
        services.AddSessionScopedOwners_SessionGuard_Tests();
        services.AddSessionGuard(o => o.SweepInterval = Timeout.InfiniteTimeSpan);
        await using var provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<SessionRegistry>();
        var dedup = provider.GetRequiredService<DedupStage>();
        var shapes = provider.GetRequiredService<ShapesOwner>();
        var reports = new ConcurrentBag<SessionTeardownReport>();
        registry.SessionEnded += (_, r) => reports.Add(r);

        const int Sessions = 2_000;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (int i = worker; i < Sessions; i += 4)
            {
                var session = registry.Open(SessionId.New());
                var id = session.Id;
                dedup.LastSentText[id] = "text";
                lock (dedup.Gate)
                {
                    dedup.Audio[id.Value] = new AudioState(i);
                }

                dedup.Buffers[new BufferKey(id, "t1", "en")] = new byte[1];
                dedup.Buffers[new BufferKey(id, "t1", "fr")] = new byte[1];
                _ = dedup.Translations.Start(id, ct => Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => "x", TaskScheduler.Default), TimeSpan.FromMinutes(1));
                shapes.Map.TryAdd(new BufferKey(id, "t1", "en"), "a");
                shapes.Map.TryAdd(new BufferKey(id, "t2", "en"), "b");

                if (i % 2 == 0)
                {
                    // Half of them are still live while the others end.
                    await Task.Yield();
                }

                var report = (await registry.EndAsync(id))!;
                Assert.Equal(7, report.EntriesRemoved); // LastSentText 1, Audio 1, Buffers 2, Translations 1, Map 2
                Assert.Contains(new OwnerEntriesRemoved(nameof(DedupStage), "Buffers", 2), report.EntriesRemovedByMember);
                Assert.Contains(new OwnerEntriesRemoved(nameof(ShapesOwner), "Map", 2), report.EntriesRemovedByMember);
                Assert.True(report.IsClean, report.ToString());
            }
        })));

        Assert.Equal(Sessions, reports.Count);
        Assert.Equal(0, registry.ActiveCount);
        var residuals = registry.CheckResiduals();
        Assert.True(residuals.IsClean, residuals.ToString());
        Assert.Empty(dedup.LastSentText);
        Assert.Empty(dedup.Buffers);
        Assert.Equal(0, dedup.Translations.Count);
    }

    [Fact]
    public async Task A_write_that_bypasses_the_session_shows_up_in_the_residual_check_by_member()
    {
        await using var registry = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan });
        var dedup = new DedupStage();
        registry.Register(dedup);
        var session = registry.Open(SessionId.New());
        await session.EndAsync();

        // A late write for the ended session (what IsActive exists to prevent) is a leak, and is named.
        dedup.LastSentText[session.Id] = "late";
        var residuals = registry.CheckResiduals();
        Assert.False(residuals.IsClean);
        Assert.Equal(new ResidualEntry(nameof(DedupStage), "LastSentText", 1), Assert.Single(residuals.Entries));
        Assert.False(registry.IsActive(session.Id));
    }
}
