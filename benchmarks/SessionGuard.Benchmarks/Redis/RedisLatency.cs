using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.Redis;
using StackExchange.Redis;

namespace SessionGuard.Benchmarks.Redis;

/// <summary>
/// Per-operation latency percentiles (<c>-- --redis-latency</c>), which BenchmarkDotNet's per-iteration statistics do not
/// give: every operation is timed on its own with <see cref="Stopwatch.GetTimestamp"/> and the percentiles are taken over
/// all of them.
/// <list type="bullet">
/// <item>Open + end of one session: <see cref="RedisSessionCluster.OpenAsync"/> then <see cref="Session.EndAsync"/>
/// against the plain <see cref="SessionRegistry"/>, with 1 and 16 concurrent openers, each pair timed from the call that
/// opens to the completion of its end.</item>
/// <item>Remote release: node A, a process of its own (this program with <c>--redis-remote-node</c>), ends 1 000 sessions;
/// node B, this process, holds a remote owner with state for each. Each latency runs from the timestamp taken on A just
/// before it calls <see cref="Session.EndAsync"/> to the timestamp taken on B when its owner's release is called.
/// Stopwatch timestamps are CLOCK_MONOTONIC on Linux, one clock for both processes.</item>
/// </list>
/// </summary>
internal static class RedisLatency
{
    private const int PairsPerConfiguration = 16_000;
    private const int WarmupPairs = 2_000;
    private const int RemoteSessions = 1_000;

    public static async Task<int> RunAsync(TextWriter output)
    {
        using var redis = new LoopbackRedis();
        output.WriteLine($"open + end, {PairsPerConfiguration} pairs per row, each timed on its own (µs):");
        await using (var plain = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan }))
        await using (var guarded = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan }))
        await using (var cluster = new RedisSessionCluster(guarded, redis.Connection, RedisBenchmarkOptions.Create("latency")))
        {
            await cluster.StartAsync();
            Func<Task> plainPair = () => plain.Open(SessionId.New()).EndAsync();
            Func<Task> guardedPair = async () => await (await cluster.OpenAsync(SessionId.New())).EndAsync();
            foreach (int openers in new[] { 1, 16 })
            {
                foreach (var (name, pair) in new[] { ("SessionRegistry Open + EndAsync", plainPair), ("RedisSessionCluster OpenAsync + EndAsync", guardedPair) })
                {
                    await TimePairsAsync(pair, openers, WarmupPairs);
                    var latencies = await TimePairsAsync(pair, openers, PairsPerConfiguration);
                    output.WriteLine($"  {name}, {openers} opener(s): {Percentiles(latencies)}");
                }
            }
        }

        output.WriteLine($"remote release: {RemoteSessions} sessions ended on node A (another process), released on node B (ms):");
        await using (var remote = RemoteNode.Start(redis.Port))
        {
            await MeasureReleaseAsync(redis, remote, "warm-up", "sequential", output: null);
            await MeasureReleaseAsync(redis, remote, "sequential", "sequential", output);
            await MeasureReleaseAsync(redis, remote, "burst", "burst", output);
        }

        return 0;
    }

    private static async Task<double[]> TimePairsAsync(Func<Task> pair, int openers, int pairs)
    {
        var latencies = new double[pairs];
        int perOpener = pairs / openers;
        await Task.WhenAll(Enumerable.Range(0, openers).Select(o => Task.Run(async () =>
        {
            for (int i = o * perOpener; i < (o + 1) * perOpener; i++)
            {
                long start = Stopwatch.GetTimestamp();
                await pair();
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
        })));
        return latencies;
    }

    /// <summary>One round: A opens <see cref="RemoteSessions"/> new sessions, B fills its remote owner for them, A ends them.</summary>
    private static async Task MeasureReleaseAsync(LoopbackRedis redis, RemoteNode a, string round, string mode, TextWriter? output)
    {
        await using var registry = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan });
        var options = RedisBenchmarkOptions.Create("remote");
        options.NodeId = "b";
        await using var b = new RedisSessionCluster(registry, redis.Connection, options);
        await b.StartAsync();
        var owner = new TimestampingOwner();
        using var registration = b.RegisterRemote(owner);

        var ids = await a.OpenAsync(round, RemoteSessions);
        foreach (var id in ids)
        {
            owner.Entries[id] = "state";
        }

        var ended = await a.EndAsync(mode);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (owner.Released.Count < ids.Length)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"B released {owner.Released.Count} of {ids.Length} sessions within 30 s");
            }

            await Task.Delay(10);
        }

        if (owner.Entries.Count != 0 || owner.Released.Count != ids.Length || ended.Count != ids.Length)
        {
            throw new InvalidOperationException($"round {round}: {owner.Entries.Count} entries left, {owner.Released.Count} released, {ended.Count} ended");
        }

        var latencies = ids.Select(id => Stopwatch.GetElapsedTime(ended[id], owner.Released[id]).TotalMilliseconds).ToArray();
        output?.WriteLine($"  {round} ({(mode == "burst" ? "all ended at once" : "ended one after another")}): {Percentiles(latencies)}");
    }

    private static string Percentiles(double[] values)
    {
        Array.Sort(values);
        double At(double p) => values[Math.Min(values.Length - 1, (int)Math.Ceiling(p / 100 * values.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"p50 {At(50):0.000}, p90 {At(90):0.000}, p99 {At(99):0.000}, max {values[^1]:0.000} (n = {values.Length})");
    }

    /// <summary>Node B's remote owner: the time its release is called, per session.</summary>
    private sealed class TimestampingOwner : ISessionScoped
    {
        public System.Collections.Concurrent.ConcurrentDictionary<SessionId, string> Entries { get; } = new();

        public System.Collections.Concurrent.ConcurrentDictionary<SessionId, long> Released { get; } = new();

        public int MemberCount => 1;

        public ValueTask<int> ReleaseSessionAsync(SessionId session)
        {
            long now = Stopwatch.GetTimestamp();
            if (!Released.TryAdd(session, now))
            {
                throw new InvalidOperationException($"session {session} released twice");
            }

            return new(Entries.TryRemove(session, out _) ? 1 : 0);
        }

        public string GetMemberName(int index) => nameof(Entries);

        public int GetLiveEntryCount(int index) => Entries.Count;
    }

    /// <summary>Node A in a process of its own: this program with <c>--redis-remote-node PORT</c>, driven over stdin.</summary>
    private sealed class RemoteNode : IAsyncDisposable
    {
        private readonly Process _process;

        private RemoteNode(Process process) => _process = process;

        public static RemoteNode Start(int port)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals("dotnet", StringComparison.Ordinal))
            {
                start.ArgumentList.Add(typeof(RedisLatency).Assembly.Location);    // run through the dotnet host, not the apphost
            }

            start.ArgumentList.Add("--redis-remote-node");
            start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
            var process = Process.Start(start) ?? throw new InvalidOperationException("node A did not start");
            return new RemoteNode(process);
        }

        public async Task<SessionId[]> OpenAsync(string round, int count)
        {
            await SayAsync($"open {round} {count}");
            string reply = await ReadAsync();
            return reply == "opened" ? Enumerable.Range(0, count).Select(i => SessionId.Parse($"a/{round}/{i}")).ToArray() : throw new InvalidOperationException(reply);
        }

        public async Task<Dictionary<SessionId, long>> EndAsync(string mode)
        {
            await SayAsync("end " + mode);
            var ended = new Dictionary<SessionId, long>();
            while (await ReadAsync() is var line && line != "done")
            {
                var parts = line.Split(' ');
                ended[SessionId.Parse(parts[0])] = long.Parse(parts[1], CultureInfo.InvariantCulture);
            }

            return ended;
        }

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close();
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        private async Task SayAsync(string line)
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }

        private async Task<string> ReadAsync() =>
            await _process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException($"node A exited ({(_process.HasExited ? _process.ExitCode : -1)})");
    }

    /// <summary>
    /// Node A: "open ROUND N" opens a/ROUND/0 .. a/ROUND/N-1 ("opened"); "end sequential" ends them one after another, "end
    /// burst" all at once, then writes "ID TIMESTAMP" for each (taken just before its EndAsync) and "done".
    /// </summary>
    public static async Task<int> RunNodeAsync(int port)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
        await using var registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = RemoteSessions * 2, SweepInterval = Timeout.InfiniteTimeSpan });
        var options = RedisBenchmarkOptions.Create("remote");
        options.NodeId = "a";
        await using var cluster = new RedisSessionCluster(registry, redis, options);
        await cluster.StartAsync();
        var sessions = Array.Empty<Session>();
        while (Console.In.ReadLine() is { } command)
        {
            var parts = command.Split(' ');
            if (parts[0] == "open")
            {
                int count = int.Parse(parts[2], CultureInfo.InvariantCulture);
                sessions = await Task.WhenAll(Enumerable.Range(0, count).Select(i => cluster.OpenAsync(SessionId.Parse($"a/{parts[1]}/{i}"))));
                Console.WriteLine("opened");
            }
            else
            {
                var started = new long[sessions.Length];
                if (parts[1] == "burst")
                {
                    await Task.WhenAll(sessions.Select((s, i) =>
                    {
                        started[i] = Stopwatch.GetTimestamp();
                        return s.EndAsync();
                    }));
                }
                else
                {
                    for (int i = 0; i < sessions.Length; i++)
                    {
                        started[i] = Stopwatch.GetTimestamp();
                        await sessions[i].EndAsync();
                    }
                }

                for (int i = 0; i < sessions.Length; i++)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sessions[i].Id} {started[i]}"));
                }

                Console.WriteLine("done");
            }

            Console.Out.Flush();
        }

        return 0;
    }
}
