using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace SessionGuard.Tests.Generated;

public class GeneratedReleaseTests
{
    private static readonly SessionId A = new("session-a");
    private static readonly SessionId B = new("session-b");

    private static ValueTask<int> Release(ISessionScoped owner, SessionId session) => owner.ReleaseSessionAsync(session);

    [Fact]
    public async Task DedupStage_release_empties_exactly_that_session()
    {
        var stage = new DedupStage();
        foreach (var id in new[] { A, B })
        {
            stage.LastSentText[id] = "text-" + id;
            lock (stage.Gate)
            {
                stage.Audio[id.Value] = new AudioState(3);
            }

            foreach (var turn in new[] { "t1", "t2", "t3" })
            {
                foreach (var lang in new[] { "en", "fr" })
                {
                    stage.Buffers[new BufferKey(id, turn, lang)] = new byte[] { 1 };
                }
            }
        }

        var pendingA = stage.Translations.Start(A, ct => Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => "x", TaskScheduler.Default), Timeout.InfiniteTimeSpan);
        var pendingB = stage.Translations.Start(B, ct => new TaskCompletionSource<string>().Task, Timeout.InfiniteTimeSpan);

        int removed = await Release(stage, A);

        Assert.Equal(1 + 1 + 6 + 1, removed);
        Assert.False(stage.LastSentText.ContainsKey(A));
        Assert.False(stage.Audio.ContainsKey(A.Value));
        Assert.DoesNotContain(stage.Buffers.Keys, k => k.Session == A);
        Assert.False(stage.Translations.Contains(A));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pendingA);

        Assert.Equal("text-" + B, stage.LastSentText[B]);
        Assert.True(stage.Audio.ContainsKey(B.Value));
        Assert.Equal(6, stage.Buffers.Keys.Count(k => k.Session == B));
        Assert.True(stage.Translations.Contains(B));
        Assert.False(pendingB.IsCompleted);

        Assert.Equal(0, await Release(stage, A));
        Assert.Equal(9, await Release(stage, B));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pendingB);
    }

    [Fact]
    public async Task Every_supported_shape_is_released_per_session()
    {
        var owner = new ShapesOwner();
        foreach (var id in new[] { A, B })
        {
            owner.Active.Add(id);
            owner.ActiveByValue.Add(id.Value);
            owner.Turns.Add((id, 1));
            owner.Turns.Add((id, 2));
            owner.Scores[id] = 7;
            owner.ByTurn[new TurnKey("t1", id)] = "x";
            owner.ByTurn[new TurnKey("t2", id)] = "y";
            owner.ByName[(id.Value, "en")] = 1;
            owner.ByName[(id.Value, "de")] = 2;
            _ = owner.PendingTurns.Start((id, "t1"), _ => new TaskCompletionSource<int>().Task, Timeout.InfiniteTimeSpan);
            _ = owner.PendingTurns.Start((id, "t2"), _ => new TaskCompletionSource<int>().Task, Timeout.InfiniteTimeSpan);
            for (int i = 0; i < 5; i++)
            {
                owner.Map[new BufferKey(id, "t" + i, "en")] = "v";
            }

            owner.ByProperty[id.Value] = 1;
            _ = owner.PendingByValue.Start(id.Value, _ => new TaskCompletionSource<int>().Task, Timeout.InfiniteTimeSpan);
            owner.Handles[new BufferKey(id, "t1", "en")] = new TrackingDisposable();
            owner.Handles[new BufferKey(id, "t1", "de")] = new TrackingDisposable();
        }

        var handlesOfA = owner.Handles.Where(p => p.Key.Session == A).Select(p => p.Value).ToList();
        var handlesOfB = owner.Handles.Where(p => p.Key.Session == B).Select(p => p.Value).ToList();

        var context = new SessionReleaseContext();
        int removed = await ((ISessionScoped)owner).ReleaseSessionAsync(A, context);

        // 1 + 1 + 2 + 1 + 2 + 2 + 2 + 5 + 1 + 1 + 2
        Assert.Equal(20, removed);
        Assert.Equal(
            new[] { ("Active", 1), ("ActiveByValue", 1), ("Turns", 2), ("Scores", 1), ("ByTurn", 2), ("ByName", 2), ("PendingTurns", 2), ("Map", 5), ("ByProperty", 1), ("PendingByValue", 1), ("Handles", 2) },
            context.Removed.ToArray());
        Assert.All(handlesOfA, h => Assert.Equal(1, h.DisposeCount));
        Assert.All(handlesOfB, h => Assert.Equal(0, h.DisposeCount));
        Assert.False(owner.PendingByValue.Contains(A.Value));
        Assert.True(owner.PendingByValue.Contains(B.Value));
        Assert.Empty(context.Failures);

        ISessionScoped scoped = owner;
        for (int i = 0; i < scoped.MemberCount; i++)
        {
            // Exactly B's entries are left in every member.
            int expected = context.Removed[i].Count;
            Assert.Equal(expected, scoped.GetLiveEntryCount(i));
        }

        Assert.Equal(new[] { B }, owner.Active);
        Assert.Equal(new[] { B.Value }, owner.ActiveByValue);
        Assert.All(owner.Turns, t => Assert.Equal(B, t.Session));
        Assert.All(owner.ByTurn.Keys, k => Assert.Equal(B, k.Session));
        Assert.All(owner.ByName.Keys, k => Assert.Equal(B.Value, k.Owner));
        Assert.True(owner.PendingTurns.Contains((B, "t1")));
        Assert.False(owner.PendingTurns.Contains((A, "t2")));
        Assert.Equal(5, owner.Map.CountOf(B));
        Assert.Equal(0, owner.Map.CountOf(A));
        Assert.Equal(new[] { B.Value }, owner.ByProperty.Keys);

        Assert.Equal(20, await Release(owner, B));
        Assert.All(handlesOfB, h => Assert.Equal(1, h.DisposeCount));
        for (int i = 0; i < scoped.MemberCount; i++)
        {
            Assert.Equal(0, scoped.GetLiveEntryCount(i));
        }
    }

    [Fact]
    public void Counts_name_every_member_in_declaration_order()
    {
        ISessionScoped stage = new DedupStage();
        Assert.Equal(4, stage.MemberCount);
        Assert.Equal(new[] { "LastSentText", "Audio", "Buffers", "Translations" }, Enumerable.Range(0, 4).Select(stage.GetMemberName));
        Assert.Throws<ArgumentOutOfRangeException>(() => stage.GetMemberName(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => stage.GetLiveEntryCount(-1));
        ((DedupStage)stage).LastSentText[A] = "x";
        Assert.Equal(1, stage.GetLiveEntryCount(0));
        Assert.Equal(0, stage.GetLiveEntryCount(1));
    }

    [Fact]
    public void An_index_outside_the_members_names_the_index_its_value_and_the_member_count()
    {
        ISessionScoped stage = new DedupStage();
        foreach (Action call in new Action[]
        {
            () => stage.GetMemberName(4),
            () => stage.GetLiveEntryCount(4),
            () => stage.CollectLiveSessions(4, new HashSet<SessionId>()),
        })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(call);
            Assert.Equal("index", error.ParamName);
            Assert.Equal(4, error.ActualValue);
            Assert.StartsWith("The index must be at least 0 and less than MemberCount (4).", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Values_are_disposed_once_each_and_async_disposal_is_awaited()
    {
        var owner = new DisposalOwner();
        var asyncA = new TrackingAsyncDisposable(yields: true);
        var asyncB = new TrackingAsyncDisposable(yields: true);
        var syncA = new TrackingDisposable();
        var ctsA1 = new CancellationTokenSource();
        var ctsA2 = new CancellationTokenSource();
        var ctsB = new CancellationTokenSource();
        var tokenA1 = ctsA1.Token;
        var mixedBoth = new BothDisposable();
        var mapA = new[] { new TrackingDisposable(), new TrackingDisposable() };
        var mapB = new TrackingDisposable();
        var running = new TaskCompletionSource().Task;

        owner.Async[A] = asyncA;
        owner.Async[B] = asyncB;
        owner.Sync[A] = syncA;
        owner.Tokens[(A, 1)] = ctsA1;
        owner.Tokens[(A, 2)] = ctsA2;
        owner.Tokens[(B, 1)] = ctsB;
        owner.Mixed[A] = mixedBoth;
        owner.Map[new BufferKey(A, "t1", "en")] = mapA[0];
        owner.Map[new BufferKey(A, "t2", "en")] = mapA[1];
        owner.Map[new BufferKey(B, "t1", "en")] = mapB;
        owner.Tasks[A] = running;

        ValueTask<int> release = Release(owner, A);
        int removed = await release;

        Assert.Equal(1 + 1 + 2 + 1 + 2 + 1, removed);
        Assert.Equal(1, asyncA.Finished); // awaited before the release completed
        Assert.Equal(1, asyncA.Started);
        Assert.Equal(1, syncA.DisposeCount);
        Assert.True(tokenA1.IsCancellationRequested);
        Assert.Throws<ObjectDisposedException>(() => ctsA1.Token);
        Assert.Throws<ObjectDisposedException>(() => ctsA2.Token);
        Assert.Equal(1, mixedBoth.AsyncDisposeCount);
        Assert.Equal(0, mixedBoth.DisposeCount); // async disposal wins, never both
        Assert.All(mapA, d => Assert.Equal(1, d.DisposeCount));
        Assert.False(running.IsCompleted); // a task is removed, never disposed

        Assert.Equal(0, asyncB.Started);
        Assert.False(ctsB.IsCancellationRequested);
        Assert.Equal(0, mapB.DisposeCount);

        Assert.Equal(0, await Release(owner, A));
        Assert.Equal(1, asyncA.Started);
        Assert.Equal(1, syncA.DisposeCount);
    }

    [Fact]
    public void Release_without_disposals_completes_synchronously()
    {
        var stage = new DedupStage();
        stage.LastSentText[A] = "x";
        ValueTask<int> release = Release(stage, A);
        Assert.True(release.IsCompletedSuccessfully);
        Assert.Equal(1, release.Result);
    }

    [Fact]
    public async Task A_throwing_value_does_not_stop_the_release_and_is_reported()
    {
        var owner = new DisposalOwner();
        var throwingAsync = new TrackingAsyncDisposable(yields: true, throwOnDispose: true);
        var throwingSync = new TrackingDisposable(throwOnDispose: true);
        var fine = new TrackingDisposable();
        var cts = new CancellationTokenSource();
        owner.Async[A] = throwingAsync;
        owner.Sync[A] = throwingSync;
        owner.Map[new BufferKey(A, "t", "en")] = fine;
        owner.Tokens[(A, 1)] = cts;

        var ex = await Assert.ThrowsAsync<SessionReleaseException>(async () => await Release(owner, A));
        Assert.Equal(4, ex.EntriesRemoved);
        Assert.Equal(A, ex.Session);
        Assert.Equal(2, ex.InnerExceptions.Count);
        Assert.Equal(1, fine.DisposeCount);
        Assert.True(cts.IsCancellationRequested);
        Assert.Empty(owner.Async);
        Assert.Empty(owner.Sync);
        Assert.Equal(0, owner.Map.Count);

        // The context overload reports per member and does not throw.
        owner.Sync[B] = new TrackingDisposable(throwOnDispose: true);
        owner.Async[B] = new TrackingAsyncDisposable(yields: false, throwOnDispose: true);
        var context = new SessionReleaseContext();
        int removed = await ((ISessionScoped)owner).ReleaseSessionAsync(B, context);
        Assert.Equal(2, removed);
        Assert.Equal(new[] { "Async", "Sync" }, context.Failures.Select(f => f.Member).OrderBy(m => m, StringComparer.Ordinal));
        Assert.All(context.Failures, f => Assert.IsType<InvalidOperationException>(f.Error));
        Assert.Contains(("Sync", 1), context.Removed);
    }

    [Fact]
    public async Task Bad_arguments_are_rejected()
    {
        ISessionScoped stage = new DedupStage();
        Assert.Throws<ArgumentException>(() => { _ = stage.ReleaseSessionAsync(default); });
        Assert.Throws<ArgumentNullException>(() => { _ = stage.ReleaseSessionAsync(A, null!); });
        Assert.Equal(0, await stage.ReleaseSessionAsync(A));
    }

    [Fact]
    public async Task Generic_and_nested_owners_are_released()
    {
        var generic = new GenericOwner<CancellationTokenSource>();
        var cts = new CancellationTokenSource();
        generic.Values[A] = cts;
        generic.Values[B] = new CancellationTokenSource();
        Assert.Equal(1, await Release(generic, A));
        Assert.True(cts.IsCancellationRequested);
        Assert.True(generic.Values.ContainsKey(B));

        var nested = new Outer.NestedOwner();
        nested.Values[A] = 1;
        nested.Values[B] = 2;
        Assert.Equal(1, await Release(nested, A));
        Assert.Equal(new[] { B }, nested.Values.Keys);
    }

    [Fact]
    public void Registration_adds_every_non_generic_owner_once_as_ISessionScoped()
    {
        var services = new ServiceCollection();
        services.AddSessionScopedOwners_SessionGuard_Tests();
        services.AddSessionScopedOwners_SessionGuard_Tests();
        using var provider = services.BuildServiceProvider();

        var owners = provider.GetServices<ISessionScoped>().ToList();
        var types = owners.Select(o => o.GetType()).ToList();
        Assert.Equal(types.Count, types.Distinct().Count());
        Assert.Contains(typeof(DedupStage), types);
        Assert.Contains(typeof(ShapesOwner), types);
        Assert.Contains(typeof(Outer.NestedOwner), types);
        Assert.DoesNotContain(types, t => t.IsGenericType);
        Assert.Same(provider.GetRequiredService<DedupStage>(), owners.Single(o => o is DedupStage));
    }

    [Fact]
    public async Task Concurrent_writers_and_releases_never_touch_other_sessions_and_leave_nothing()
    {
        var owner = new ConcurrentOwner();
        ISessionScoped scoped = owner;
        const int Sessions = 64;
        const int KeysPerSession = 20;
        var disposables = new ConcurrentBag<TrackingDisposable>();
        var errors = new ConcurrentQueue<string>();

        var workers = Enumerable.Range(0, Environment.ProcessorCount * 2).Select(worker => Task.Run(async () =>
        {
            for (int s = worker; s < Sessions; s += Environment.ProcessorCount * 2)
            {
                var id = new SessionId("s" + s);
                for (int k = 0; k < KeysPerSession; k++)
                {
                    owner.PerSession.AddOrUpdate(id, 1, static (_, v) => v + 1);
                    var key = new BufferKey(id, "t" + k, k % 2 == 0 ? "en" : "fr");
                    owner.Scanned[key] = k;
                    var value = new TrackingDisposable();
                    disposables.Add(value);
                    owner.Indexed[key] = value;
                }

                // Other sessions are being released concurrently: ours must still be complete.
                if (owner.Indexed.CountOf(id) != KeysPerSession || owner.Scanned.Keys.Count(k => k.Session == id) != KeysPerSession)
                {
                    errors.Enqueue($"session {id} lost entries before its own release");
                }

                int removed = await scoped.ReleaseSessionAsync(id);
                if (removed != 1 + (2 * KeysPerSession))
                {
                    errors.Enqueue($"session {id}: removed {removed}");
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.Empty(errors);
        for (int i = 0; i < scoped.MemberCount; i++)
        {
            Assert.Equal(0, scoped.GetLiveEntryCount(i));
        }

        Assert.Equal(0, owner.Indexed.SessionCount);
        Assert.Equal(Sessions * KeysPerSession, disposables.Count);
        Assert.All(disposables, d => Assert.Equal(1, d.DisposeCount));
    }
}
