using System;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Cli;
using SessionGuard.VoiceGateway.Figures;
using SessionGuard.VoiceGateway.Load;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Server;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>The run's figures: percentiles, teardowns read from the registry's public event, and the guarded goals.</summary>
public class FiguresTests
{
    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var p = Percentiles.Of([5, 1, 4, 2, 3, 6, 7, 8, 9, 10, 100]);
        Assert.Equal(new Percentiles(11, 6, 100), p);
        Assert.Equal(default, Percentiles.Of([]));
        Assert.Equal(new Percentiles(1, 7, 7), Percentiles.Of([7]));
    }

    [Fact]
    public async Task The_teardown_log_reads_each_ended_session_from_the_registry_event()
    {
        await using var registry = new SessionRegistry();
        var log = new TeardownLog();
        registry.SessionEnded += log.OnSessionEnded;
        Session a = registry.Open(SessionId.Parse("a"));
        Session b = registry.Open(SessionId.Parse("b"));
        registry.Open(SessionId.Parse("c"));
        SessionTeardownReport ra = await a.EndAsync(SessionEndReason.Closed);
        SessionTeardownReport rb = await b.EndAsync(SessionEndReason.IdleExpired);

        TeardownSummary summary = log.Summarize();

        Assert.Equal(2, summary.Ended);
        Assert.Equal(1, summary.EndedByReason[SessionEndReason.Closed]);
        Assert.Equal(1, summary.EndedByReason[SessionEndReason.IdleExpired]);
        Assert.Equal(Percentiles.Of([ra.Elapsed.TotalMilliseconds, rb.Elapsed.TotalMilliseconds]), summary.Duration);
        Assert.Equal(0, summary.TasksMissedDrain);
    }

    [Fact]
    public void Heap_growth_is_per_1000_sessions_after_the_tenth_mark()
    {
        var figures = RunFigures.Empty with { SessionsAtTenth = 40, SessionsCompleted = 440, HeapAtTenthBytes = 10_000_000, HeapEndBytes = 14_000_000 };
        Assert.Equal(10_000_000, figures.HeapGrowthPer1000Bytes);
        Assert.Equal(1.4, figures.HeapRatio, 6);
    }

    [Fact]
    public void The_goals_are_met_within_a_tenth_and_missed_beyond()
    {
        var met = Run(heapAtTenth: 100 << 20, heapEnd: 105 << 20, firstP99: 200, lastP99: 210);
        var missed = Run(heapAtTenth: 100 << 20, heapEnd: 130 << 20, firstP99: 200, lastP99: 260);

        Assert.All(GuardedGoals.Evaluate(met), g => Assert.True(g.Met, g.ToString()));
        var goals = GuardedGoals.Evaluate(missed);
        Assert.True(goals[0].Met);
        Assert.False(goals[1].Met);
        Assert.Equal("130.0 MB vs 100.0 MB (1.30x)", goals[1].Measured);
        Assert.False(goals[2].Met);
        Assert.Equal("260 ms vs 200 ms (1.30x)", goals[2].Measured);
    }

    [Fact]
    public void The_heap_goal_says_how_much_of_both_heaps_the_buffer_pools_held_and_is_still_read_on_the_whole_heap()
    {
        var run = Run(heapAtTenth: 100 << 20, heapEnd: 130 << 20, firstP99: 200, lastP99: 200);
        run = run with
        {
            Figures = run.Figures with { PoolsAtTenth = new BufferPoolBytes(8 << 20, 2 << 20), PoolsEnd = new BufferPoolBytes(30 << 20, 10 << 20) },
        };

        Assert.Equal(1.0, run.Figures.HeapRatioOutsidePools, 6); // (130 - 40) / (100 - 10)
        var goal = GuardedGoals.Evaluate(run)[1];
        Assert.False(goal.Met);
        Assert.Equal("130.0 MB vs 100.0 MB (1.30x); buffer pools held 40.0 MB and 10.0 MB of them (ArrayPool 30.0 MB and 8.0 MB, Kestrel 10.0 MB and 2.0 MB), the rest of the heap 1.00x", goal.Measured);
    }

    [Fact]
    public void The_shared_array_pool_meter_counts_an_array_the_pool_allocates_for_a_bucket_and_keeps()
    {
        SharedArrayPoolMeter meter = SharedArrayPoolMeter.Instance;
        long before = meter.HeldBytes;

        // 64 MB: a bucket no other test rents from, so the pool has none yet and allocates one.
        byte[] array = System.Buffers.ArrayPool<byte>.Shared.Rent(64 << 20);
        long held = meter.HeldBytes;
        System.Buffers.ArrayPool<byte>.Shared.Return(array);

        Assert.True(held - before >= array.Length, $"held {before} B before, {held} B after renting {array.Length} B");
    }

    [Fact]
    public void A_goal_with_nothing_measured_is_missed()
    {
        var run = Run(heapAtTenth: 100 << 20, heapEnd: 100 << 20, firstP99: 0, lastP99: 0);
        var goal = GuardedGoals.Evaluate(run)[2];
        Assert.False(goal.Met);
        Assert.Equal("not measured (no client of a window closed cleanly)", goal.Measured);
    }

    private static GatewayRunResult Run(long heapAtTenth, long heapEnd, double firstP99, double lastP99) =>
        new(GatewayMode.Guarded, new LoadResult(new System.Collections.Generic.Dictionary<DisconnectKind, int>(), 0, 0, 0), true, new PipelineCounters(), default, 0, 0, heapEnd)
        {
            Figures = RunFigures.Empty with
            {
                HeapAtTenthBytes = heapAtTenth,
                HeapEndBytes = heapEnd,
                SessionsAtTenth = 40,
                SessionsCompleted = 400,
                FirstTenth = firstP99 > 0 ? new Percentiles(18, firstP99 / 2, firstP99) : default,
                LastTenth = lastP99 > 0 ? new Percentiles(18, lastP99 / 2, lastP99) : default,
            },
        };
}
