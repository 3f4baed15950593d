using BenchmarkDotNet.Running;

namespace SessionGuard.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project benchmarks/SessionGuard.Benchmarks -- --filter '*'</c>;
/// <c>-- --redis-round-trips</c> counts the Redis commands per open and per end instead.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["--redis-round-trips"])
        {
            return Redis.RedisRoundTrips.RunAsync(System.Console.Out).GetAwaiter().GetResult();
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
