using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using SessionGuard.Redis;

namespace SessionGuard.Benchmarks.Redis;

/// <summary>
/// Open + end of one session guarded cluster-wide by Redis (<see cref="RedisSessionCluster.OpenAsync"/> then
/// <see cref="Session.EndAsync"/>) against the plain <see cref="SessionRegistry"/>, with 1 and 16 concurrent openers on a
/// loopback redis-server. One invoke runs 256 open + end pairs split over the openers; the mean is per pair. P50 and P95
/// are percentiles of the iterations' per-pair means, not of single pairs: <c>--redis-latency</c> times every pair.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PercentileConfig))]
public class RedisOpenEndBenchmarks
{
    private const int Operations = 256;
    private LoopbackRedis _redis = null!;
    private SessionRegistry _plain = null!;
    private SessionRegistry _guarded = null!;
    private RedisSessionCluster _cluster = null!;

    [Params(1, 16)]
    public int Openers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _redis = new LoopbackRedis();
        _plain = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan });
        _guarded = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan });
        _cluster = new RedisSessionCluster(_guarded, _redis.Connection, RedisBenchmarkOptions.Create("openend"));
        _cluster.StartAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cluster.Dispose();
        _guarded.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _plain.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _redis.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations, Description = "SessionRegistry Open + EndAsync")]
    public Task Plain() => RunOpeners(PlainOpenersAsync);

    [Benchmark(OperationsPerInvoke = Operations, Description = "RedisSessionCluster OpenAsync + EndAsync")]
    public Task Guarded() => RunOpeners(GuardedOpenersAsync);

    private Task RunOpeners(Func<int, Task> opener)
    {
        if (Openers == 1)
        {
            return opener(Operations);
        }

        var tasks = new Task[Openers];
        for (int i = 0; i < tasks.Length; i++)
        {
            tasks[i] = Task.Run(() => opener(Operations / Openers));
        }

        return Task.WhenAll(tasks);
    }

    private async Task PlainOpenersAsync(int count)
    {
        for (int i = 0; i < count; i++)
        {
            await _plain.Open(SessionId.New()).EndAsync();
        }
    }

    private async Task GuardedOpenersAsync(int count)
    {
        for (int i = 0; i < count; i++)
        {
            var session = await _cluster.OpenAsync(SessionId.New());
            await session.EndAsync();
        }
    }
}

/// <summary>The median and the 95th percentile of the iterations beside the mean.</summary>
internal sealed class PercentileConfig : ManualConfig
{
    public PercentileConfig() => AddColumn(StatisticColumn.P50, StatisticColumn.P95);
}

/// <summary>
/// One <see cref="RedisSessionCluster.HeartbeatAsync"/> of a node holding 10 or 100 000 claimed sessions (opened through
/// the cluster in the setup): the renewal must not grow with the session count.
/// </summary>
[MemoryDiagnoser]
public class RedisHeartbeatBenchmarks
{
    private LoopbackRedis _redis = null!;
    private SessionRegistry _registry = null!;
    private RedisSessionCluster _cluster = null!;

    [Params(10, 100_000)]
    public int Sessions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _redis = new LoopbackRedis();
        _registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = Sessions + 1_000, SweepInterval = Timeout.InfiniteTimeSpan });
        _cluster = new RedisSessionCluster(_registry, _redis.Connection, RedisBenchmarkOptions.Create("heartbeat"));
        OpenAllAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cluster.Dispose();
        _registry.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _redis.Dispose();
    }

    [Benchmark(Description = "RedisSessionCluster.HeartbeatAsync")]
    public Task<long> Heartbeat() => _cluster.HeartbeatAsync();

    private async Task OpenAllAsync()
    {
        await _cluster.StartAsync();
        const int Batch = 1_000;
        for (int opened = 0; opened < Sessions; opened += Batch)
        {
            var batch = new Task<Session>[Math.Min(Batch, Sessions - opened)];
            for (int i = 0; i < batch.Length; i++)
            {
                batch[i] = _cluster.OpenAsync(SessionId.New());
            }

            await Task.WhenAll(batch);
        }

        if (_registry.ActiveCount != Sessions)
        {
            throw new InvalidOperationException($"{_registry.ActiveCount} sessions open, {Sessions} expected");
        }
    }
}

/// <summary>The cluster options the Redis benchmarks share: the timer out of the way (the benchmark calls the heartbeat).</summary>
internal static class RedisBenchmarkOptions
{
    public static RedisSessionOptions Create(string prefix) => new()
    {
        KeyPrefix = "bench-" + prefix,
        HeartbeatInterval = TimeSpan.FromHours(1),
        NodeTimeout = TimeSpan.FromHours(3),
        OperationTimeout = TimeSpan.FromSeconds(10),
    };
}
