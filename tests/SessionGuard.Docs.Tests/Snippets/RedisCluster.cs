using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SessionGuard;
using SessionGuard.Redis;
using StackExchange.Redis;

namespace SessionGuard.Docs.Tests.Snippets;

/// <summary>docs/redis.md's example: compiled here, run against a real redis-server by SessionGuard.Redis.Tests.</summary>
public static class RedisCluster
{
    public static IHost BuildHost(string redisConfiguration)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services
            .AddSessionGuard(o => o.MaxSessions = 5000)
            .AddRedis(o =>
            {
                o.Configuration = redisConfiguration;                // or register an IConnectionMultiplexer
                o.WhenOwnedElsewhere = RemoteOwnerPolicy.TakeOver;   // or Refuse
                o.HeartbeatInterval = TimeSpan.FromSeconds(1);       // one key renewed, whatever the session count
                o.NodeTimeout = TimeSpan.FromSeconds(5);             // silent this long: the node is lost
            });
        return builder.Build();
    }

    // On connect: claim the session cluster-wide, then open it on this node.
    public static async Task<(Session Session, long Fence)> OnConnectAsync(RedisSessionCluster cluster, string connectionId)
    {
        Session session = await cluster.GetOrOpenAsync(SessionId.Parse(connectionId));
        cluster.TryGetFence(session.Id, out long fence);     // pass it with every write to shared storage
        return (session, fence);
    }

    // A key in Redis that lives exactly as long as the session: deleted when it ends on any node, or its node is lost.
    public static async Task KeepTranscriptAsync(IDatabase redis, Session session, string text)
    {
        RedisKey key = $"{{sessionguard}}:transcript:{session.Id}";
        await redis.StringSetAsync(key, text);
        await session.OwnRedisKeyAsync(key);
    }

    // State this node keeps for sessions other nodes own, released when they end there (or their node is lost).
    public static IDisposable KeepRemoteState(RedisSessionCluster cluster, ISessionScoped remoteState)
    {
        cluster.RemoteSessionEnded += (_, ended) => Console.WriteLine($"{ended.Id} ended on {ended.Node}: {ended.Reason}");
        return cluster.RegisterRemote(remoteState);
    }

    // Health: Degraded while ends wait for Redis, Unhealthy once the heartbeat lapsed or the node left the cluster.
    public static void AddHealth(IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<RedisSessionClusterHealthCheck>("sessionguard-redis");
    }
}
