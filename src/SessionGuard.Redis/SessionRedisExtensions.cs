using System;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis;

/// <summary>Redis state owned by a session opened through a <see cref="RedisSessionCluster"/>.</summary>
public static class SessionRedisExtensions
{
    /// <summary>
    /// Makes <paramref name="key"/> owned by the session cluster-wide: it is deleted when the session ends on whichever node
    /// holds it then, and when a lost node's sessions are reclaimed. See <see cref="RedisSessionCluster.OwnRedisKeyAsync"/>.
    /// </summary>
    /// <param name="session">A session opened through a <see cref="RedisSessionCluster"/>.</param>
    /// <param name="key">The key. On Redis Cluster it must hash to the cluster's slot: put <c>{KeyPrefix}</c> in its name.</param>
    /// <param name="cancellationToken">Stops the wait for Redis.</param>
    /// <returns>A task that completes when Redis has recorded the key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="session"/> is null.</exception>
    /// <exception cref="ArgumentException">The key is empty or in another slot, or the session was not opened through a cluster.</exception>
    /// <exception cref="ObjectDisposedException">The session is ending or has ended: the key was deleted before the throw.</exception>
    /// <exception cref="SessionOwnedElsewhereException">This copy was taken over: the key was left as it is and the copy ends.</exception>
    /// <exception cref="RedisSessionUnavailableException">Redis did not answer in time, or the session is not claimed yet.</exception>
    public static Task OwnRedisKeyAsync(this Session session, RedisKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!RedisSessionCluster.TryGetOpener(session, out var cluster))
        {
            throw new ArgumentException($"Session '{session.Id}' was not opened through a RedisSessionCluster: open it with OpenAsync or GetOrOpenAsync to give it keys in Redis.", nameof(session));
        }

        return cluster.OwnRedisKeyAsync(session, key, cancellationToken);
    }
}
