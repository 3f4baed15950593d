using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

/// <summary>One node: a registry and its cluster member, on the shared test server, under a prefix of the test's own.</summary>
internal sealed class Node : IAsyncDisposable
{
    private Node(SessionRegistry registry, RedisSessionCluster cluster)
    {
        Registry = registry;
        Cluster = cluster;
        Registry.SessionEnded += (_, report) => Ended.Enqueue(report);
        Cluster.RemoteSessionEnded += (_, e) => RemoteEnded.Enqueue(e);
    }

    public SessionRegistry Registry { get; }

    public RedisSessionCluster Cluster { get; }

    public ConcurrentQueue<SessionTeardownReport> Ended { get; } = new();

    public ConcurrentQueue<RemoteSessionEndedEventArgs> RemoteEnded { get; } = new();

    public static async Task<Node> StartAsync(IConnectionMultiplexer redis, string prefix, string name, Action<RedisSessionOptions>? configure = null, TimeProvider? time = null, SessionRegistryOptions? registryOptions = null)
    {
        var options = new RedisSessionOptions
        {
            KeyPrefix = prefix,
            NodeId = name,
            HeartbeatInterval = TimeSpan.FromMilliseconds(50),
            NodeTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        var registry = new SessionRegistry(registryOptions);
        var cluster = new RedisSessionCluster(registry, redis, options, timeProvider: time);
        await cluster.StartAsync();
        return new Node(registry, cluster);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Registry.DisposeAsync();
    }
}

internal static class Wait
{
    /// <summary>Waits for a condition that other threads or nodes make true; fails (never passes) after a generous bound.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Never happened: " + what);
            await Task.Delay(10);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);
}

/// <summary>Per-session state a node keeps for sessions other nodes own, released on their "ended" announcement.</summary>
internal sealed class RemoteCache : ISessionScoped
{
    public ConcurrentDictionary<SessionId, string> Entries { get; } = new();

    public int MemberCount => 1;

    public ValueTask<int> ReleaseSessionAsync(SessionId session) => new(Entries.TryRemove(session, out _) ? 1 : 0);

    public string GetMemberName(int index) => nameof(Entries);

    public int GetLiveEntryCount(int index) => Entries.Count;
}

internal sealed class Resource : IDisposable
{
    public bool Disposed { get; private set; }

    public void Dispose() => Disposed = true;
}

internal static class Prefix
{
    public static string New() => "t" + Guid.NewGuid().ToString("N")[..10];
}

internal static class Pause
{
    /// <summary>
    /// Pauses writes (scripts included) until disposed, on a connection of its own: a connection's commands run in order,
    /// so an UNPAUSE sent on the nodes' connection would wait behind the scripts the pause holds.
    /// </summary>
    public static async Task<IAsyncDisposable> WritesAsync(RedisServer server)
    {
        var admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        var endpoint = admin.GetServer(admin.GetEndPoints()[0]);
        await endpoint.ExecuteAsync("CLIENT", "PAUSE", "20000", "WRITE");
        return new Unpause(admin, endpoint);
    }

    private sealed class Unpause(ConnectionMultiplexer admin, IServer server) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await server.ExecuteAsync("CLIENT", "UNPAUSE");
            await admin.DisposeAsync();
        }
    }
}
