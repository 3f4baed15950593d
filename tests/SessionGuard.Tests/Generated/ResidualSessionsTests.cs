using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;
using SessionGuard;

namespace SessionGuard.Tests.Generated;

/// <summary>The residual check names the sessions leftover entries belong to, for every member shape.</summary>
public class ResidualSessionsTests
{
    private static readonly SessionId A = SessionId.Parse("a");
    private static readonly SessionId B = SessionId.Parse("b");

    private static List<string> Collect(ISessionScoped owner, string member)
    {
        int index = Enumerable.Range(0, owner.MemberCount).Single(i => owner.GetMemberName(i) == member);
        var sessions = new HashSet<SessionId>();
        owner.CollectLiveSessions(index, sessions);
        return sessions.Select(s => s.Value).Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task Every_member_shape_names_the_sessions_of_its_entries()
    {
        var dedup = new DedupStage();
        dedup.LastSentText[A] = "x";
        dedup.LastSentText[B] = "y";
        lock (dedup.Gate)
        {
            dedup.Audio["a"] = new AudioState(1);
            dedup.Audio["not a valid id\n"] = new AudioState(2); // left out: not a valid id
        }

        dedup.Buffers[new BufferKey(B, "t", "fr")] = new byte[1];
        dedup.Buffers[new BufferKey(B, "t", "de")] = new byte[1];
        var never = new TaskCompletionSource<string>();
        _ = dedup.Translations.Start(A, _ => never.Task, Timeout.InfiniteTimeSpan);

        Assert.Equal(new[] { "a", "b" }, Collect(dedup, "LastSentText"));
        Assert.Equal(new[] { "a" }, Collect(dedup, "Audio"));
        Assert.Equal(new[] { "b" }, Collect(dedup, "Buffers"));
        Assert.Equal(new[] { "a" }, Collect(dedup, "Translations"));

        var shapes = new ShapesOwner();
        shapes.Active.Add(A);
        shapes.ActiveByValue.Add("b");
        shapes.ActiveByValue.Add(null!);
        shapes.Turns.Add((A, 1));
        shapes.Scores[B] = 1;
        shapes.ByTurn[new TurnKey("t", A)] = "x";
        shapes.ByName[("b", "fr")] = 1;
        _ = shapes.PendingTurns.Start((B, "t"), _ => new TaskCompletionSource<int>().Task, Timeout.InfiniteTimeSpan);
        shapes.Map[new BufferKey(A, "t", "fr")] = "x";
        shapes.ByProperty["b"] = 1;
        _ = shapes.PendingByValue.Start("a", _ => new TaskCompletionSource<int>().Task, Timeout.InfiniteTimeSpan);
        shapes.Handles[new BufferKey(B, "t", "fr")] = new TrackingDisposable();

        Assert.Equal(new[] { "a" }, Collect(shapes, "Active"));
        Assert.Equal(new[] { "b" }, Collect(shapes, "ActiveByValue"));
        Assert.Equal(new[] { "a" }, Collect(shapes, "Turns"));
        Assert.Equal(new[] { "b" }, Collect(shapes, "Scores"));
        Assert.Equal(new[] { "a" }, Collect(shapes, "ByTurn"));
        Assert.Equal(new[] { "b" }, Collect(shapes, "ByName"));
        Assert.Equal(new[] { "b" }, Collect(shapes, "PendingTurns"));
        Assert.Equal(new[] { "a" }, Collect(shapes, "Map"));
        Assert.Equal(new[] { "b" }, Collect(shapes, "ByProperty"));
        Assert.Equal(new[] { "a" }, Collect(shapes, "PendingByValue"));
        Assert.Equal(new[] { "b" }, Collect(shapes, "Handles"));

        Assert.Throws<ArgumentOutOfRangeException>(() => ((ISessionScoped)shapes).CollectLiveSessions(11, new HashSet<SessionId>()));
        Assert.Throws<ArgumentNullException>(() => ((ISessionScoped)shapes).CollectLiveSessions(0, null!));

        dedup.Translations.Cancel(A);
        shapes.PendingTurns.Cancel((B, "t"));
        shapes.PendingByValue.Cancel("a");
        await Task.CompletedTask;
    }

    [Fact]
    public async Task The_residual_warning_names_a_few_leftover_sessions_then_a_count()
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        await using var registry = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan }, loggerFactory: loggerFactory);
        var owner = new Outer.NestedOwner();
        registry.Register(owner);
        var session = registry.Open(SessionId.Parse("live"));

        // Written with ids no session of this registry will release: state for sessions that ended elsewhere.
        foreach (var id in new[] { "s7", "s1", "s3", "s2", "s6", "s4", "s5" })
        {
            owner.Values[SessionId.Parse(id)] = 1;
        }

        await session.EndAsync();

        var warning = Assert.Single(logs.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.EndsWith("1 owner member holds entries (0 sessions open): NestedOwner.Values=7; for 7 sessions: 's1', 's2', 's3', 's4', 's5' and 2 more", warning.Message, StringComparison.Ordinal);
        var residuals = registry.CheckResiduals();
        Assert.Equal(new[] { "s1", "s2", "s3", "s4", "s5", "s6", "s7" }, residuals.Sessions.Select(s => s.Value));
    }

    [Fact]
    public void A_hand_written_owner_without_session_names_is_reported_by_count_only()
    {
        var registry = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan });
        var owner = new SessionGuard.Tests.Runtime.MapOwner();
        registry.Register(owner);
        owner.LastText[A] = "x";
        var residuals = registry.CheckResiduals();
        Assert.Empty(residuals.Sessions);
        Assert.Equal("1 owner member holds entries (0 sessions open): MapOwner.LastText=1", residuals.ToString());
        registry.Dispose();
    }

    [Fact]
    public async Task Naming_sessions_while_writers_add_and_remove_entries_never_throws_and_ends_exact()
    {
        await using var registry = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan });
        var owner = new ConcurrentOwner();
        registry.Register(owner);
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                var id = SessionId.Parse($"w{w}-{i % 50}");
                owner.PerSession[id] = i;
                owner.Scanned[new BufferKey(id, "t", "fr")] = i;
                owner.Indexed[new BufferKey(id, "t", "de")] = new TrackingDisposable();
                if (i % 3 == 0)
                {
                    owner.PerSession.TryRemove(id, out _);
                    owner.Scanned.TryRemove(new BufferKey(id, "t", "fr"), out _);
                    owner.Indexed.TryRemoveSession(id, out _);
                }
            }
        })).ToArray();
        var checker = Task.Run(() =>
        {
            int checks = 0;
            while (!Task.WhenAll(writers).IsCompleted || checks == 0)
            {
                var report = registry.CheckResiduals();
                Assert.All(report.Sessions, s => Assert.StartsWith("w", s.Value, StringComparison.Ordinal));
                checks++;
            }

            return checks;
        });

        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(await checker.WaitAsync(TimeSpan.FromSeconds(60)) > 0);

        var expected = owner.PerSession.Keys.Concat(owner.Scanned.Keys.Select(k => k.Session)).Concat(owner.Indexed.Sessions)
            .Select(s => s.Value).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, registry.CheckResiduals().Sessions.Select(s => s.Value));
    }
}
