using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using SessionGuard;
using SessionGuard.Redis;
using StackExchange.Redis;

// A cluster node for the multi-process tests. Usage:
//   SessionGuard.Redis.TestNode REDIS PREFIX NODE SESSIONS HEARTBEAT_MS TIMEOUT_MS [quiet] [operationTimeoutMs=N]
// Opens SESSIONS sessions "NODE/i", gives each a key "{PREFIX}:owned:NODE/i", prints "ready FENCE" (the highest fencing
// number it holds), then takes commands on stdin, one a line, answering each with one line:
//   "fences"          -> "fences F1 F2 ..." for the sessions it still holds active
//   "open ID"         -> "opened FENCE" or "failed TYPE"
//   "run SEED FROM COUNT PEERS SIGNAL" and "endall", "residuals" -> the soak's schedule (Soak.cs)
// It writes every session end as "end ID REASON" when it happens (not when "quiet": it counts them by reason instead).
// End of stdin: it leaves the cluster and exits 0.
var (redisConfiguration, prefix, node) = (args[0], args[1], args[2]);
int sessions = int.Parse(args[3], CultureInfo.InvariantCulture);
var heartbeat = TimeSpan.FromMilliseconds(int.Parse(args[4], CultureInfo.InvariantCulture));
var timeout = TimeSpan.FromMilliseconds(int.Parse(args[5], CultureInfo.InvariantCulture));
bool quiet = args.Skip(6).Contains("quiet");
var operationTimeout = args.Skip(6).Where(a => a.StartsWith("operationTimeoutMs=", StringComparison.Ordinal))
    .Select(a => TimeSpan.FromMilliseconds(int.Parse(a["operationTimeoutMs=".Length..], CultureInfo.InvariantCulture)))
    .DefaultIfEmpty(new RedisSessionOptions().OperationTimeout).Single();
var endReasons = new ConcurrentDictionary<SessionEndReason, int>();

var output = Console.Out;
var registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = Math.Max(1000, sessions * 2) });
registry.SessionEnded += (_, report) =>
{
    endReasons.AddOrUpdate(report.Reason, 1, (_, n) => n + 1);
    if (quiet)
    {
        return;
    }

    lock (output)
    {
        output.WriteLine($"end {report.SessionId} {report.Reason}");
        output.Flush();
    }
};

await using var cluster = RedisSessionCluster.Connect(registry, new RedisSessionOptions
{
    Configuration = redisConfiguration,
    KeyPrefix = prefix,
    NodeId = node,
    HeartbeatInterval = heartbeat,
    NodeTimeout = timeout,
    OperationTimeout = operationTimeout,
});
await cluster.StartAsync();
using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
var db = redis.GetDatabase();

var opened = new ConcurrentBag<Session>();
var soak = new Soak(cluster, registry, db, prefix, node, opened, endReasons, Say);
foreach (var batch in Enumerable.Range(0, sessions).Chunk(100))
{
    await Task.WhenAll(batch.Select(async i =>
    {
        var session = await cluster.OpenAsync(SessionId.Parse($"{node}/{i}"));
        opened.Add(session);
        RedisKey key = $"{{{prefix}}}:owned:{session.Id}";
        await db.StringSetAsync(key, "state");
        await session.OwnRedisKeyAsync(key);
    }));
}

Say($"ready {Fences().DefaultIfEmpty().Max()}");
while (Console.In.ReadLine() is { } command)
{
    if (command == "fences")
    {
        Say(string.Join(' ', Fences().Select(f => f.ToString(CultureInfo.InvariantCulture)).Prepend("fences")));
    }
    else if (command.StartsWith("open ", StringComparison.Ordinal))
    {
        try
        {
            var session = await cluster.OpenAsync(SessionId.Parse(command[5..]));
            opened.Add(session);
            cluster.TryGetFence(session.Id, out long fence);
            Say($"opened {fence}");
        }
        catch (Exception ex)
        {
            Say($"failed {ex.GetType().Name}");
        }
    }
    else if (soak.Handles(command))
    {
        await soak.RunAsync(command);
    }
    else
    {
        Say("unknown " + command);
    }
}

await cluster.DisposeAsync();
await registry.DisposeAsync();
return 0;

// The fencing numbers of the sessions this node still holds as their current owner.
long[] Fences() => opened.Select(s => cluster.TryGetFence(s.Id, out long f) ? f : 0).Where(f => f > 0).ToArray();

void Say(string line)
{
    lock (output)
    {
        output.WriteLine(line);
        output.Flush();
    }
}
