using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.Redis;

namespace SessionGuard.Benchmarks.Redis;

/// <summary>
/// Counts the commands Redis receives from the cluster per open and per end (<c>-- --redis-round-trips</c>): a MONITOR
/// connection sees every command a client sends, and marks commands run inside a script as <c>[0 lua]</c>; those are left
/// out, so the count is what crossed the network. Commands sent together are pipelined: a round trip carries at least one,
/// so the count per operation is an upper bound on its round trips.
/// </summary>
internal static class RedisRoundTrips
{
    private const int Sessions = 1_000;

    public static async Task<int> RunAsync(TextWriter output)
    {
        using var redis = new LoopbackRedis();
        await using var registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = Sessions * 2, SweepInterval = Timeout.InfiniteTimeSpan });
        await using var cluster = new RedisSessionCluster(registry, redis.Connection, RedisBenchmarkOptions.Create("roundtrips"));
        await cluster.StartAsync();
        for (int i = 0; i < 10; i++)
        {
            await (await cluster.OpenAsync(SessionId.New())).EndAsync();
        }

        using var monitor = new TcpClient();
        await monitor.ConnectAsync(IPAddress.Loopback, redis.Port);
        using var stream = monitor.GetStream();
        await stream.WriteAsync("MONITOR\r\n"u8.ToArray());
        using var reader = new StreamReader(stream);
        string? ok = await reader.ReadLineAsync();
        if (ok != "+OK")
        {
            throw new InvalidOperationException("MONITOR answered " + ok);
        }

        var db = redis.Connection.GetDatabase();
        var sessions = new Session[Sessions];
        await db.ExecuteAsync("ECHO", "sg-mark-open");
        for (int i = 0; i < Sessions; i++)
        {
            sessions[i] = await cluster.OpenAsync(SessionId.New());
        }

        await db.ExecuteAsync("ECHO", "sg-mark-end");
        foreach (var session in sessions)
        {
            await session.EndAsync();
        }

        await db.ExecuteAsync("ECHO", "sg-mark-done");

        var phases = new Dictionary<string, Dictionary<string, int>> { ["open"] = new(), ["end"] = new() };
        Dictionary<string, int>? current = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Contains("\"sg-mark-open\"", StringComparison.Ordinal))
            {
                current = phases["open"];
                continue;
            }

            if (line.Contains("\"sg-mark-end\"", StringComparison.Ordinal))
            {
                current = phases["end"];
                continue;
            }

            if (line.Contains("\"sg-mark-done\"", StringComparison.Ordinal))
            {
                break;
            }

            if (current is null || line.Contains("[0 lua]", StringComparison.Ordinal))
            {
                continue;
            }

            // +1700000000.000000 [0 127.0.0.1:54321] "evalsha" "..." ...
            int quote = line.IndexOf('"', StringComparison.Ordinal);
            string command = quote < 0 ? line : line[(quote + 1)..line.IndexOf('"', quote + 1)].ToUpperInvariant();
            current[command] = current.GetValueOrDefault(command) + 1;
        }

        foreach (var (phase, commands) in phases)
        {
            double total = commands.Values.Sum() / (double)Sessions;
            string detail = string.Join(", ", commands.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value / (double)Sessions:0.00}")));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{phase}: {total:0.00} commands per {phase} over {Sessions} sequential {phase}s ({detail})"));
        }

        return 0;
    }
}
