using BenchmarkDotNet.Running;

namespace SessionGuard.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project benchmarks/SessionGuard.Benchmarks -- --filter '*'</c>;
/// <c>-- --redis-round-trips</c> counts the Redis commands per open and per end instead; <c>-- --redis-latency</c> gives
/// per-operation latency percentiles of the Redis cluster (open + end, and the release of remote state).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["--redis-round-trips"])
        {
            return Redis.RedisRoundTrips.RunAsync(System.Console.Out).GetAwaiter().GetResult();
        }

        if (args is ["--redis-latency"])
        {
            return Redis.RedisLatency.RunAsync(System.Console.Out).GetAwaiter().GetResult();
        }

        if (args is ["--redis-remote-node", var port])
        {
            return Redis.RedisLatency.RunNodeAsync(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture)).GetAwaiter().GetResult();
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
