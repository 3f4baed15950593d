using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis;

/// <content>Keys in Redis that a session owns: deleted wherever and however it ends, a lost node's sessions included.</content>
public sealed partial class RedisSessionCluster
{
    /// <summary>The cluster that opened each session, for <see cref="SessionRedisExtensions.OwnRedisKeyAsync"/>.</summary>
    private static readonly ConditionalWeakTable<Session, RedisSessionCluster> OpenedBy = new();

    /// <summary>
    /// Makes <paramref name="key"/> owned by <paramref name="session"/> cluster-wide: the key is deleted in Redis when the
    /// session ends on whichever node holds it then (a takeover keeps it: the session lives on), and when a lost node's
    /// sessions are reclaimed. Call it after creating the key; attaching one key twice is harmless.
    /// </summary>
    /// <param name="session">A session opened through this cluster.</param>
    /// <param name="key">The key. On Redis Cluster it must hash to the cluster's slot: put <c>{KeyPrefix}</c> in its name.</param>
    /// <param name="cancellationToken">Stops the wait for Redis (the key is then not known to be owned).</param>
    /// <returns>A task that completes when Redis has recorded the key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="session"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="key"/> is empty, or on Redis Cluster hashes to another slot than the cluster's keys, or
    /// <paramref name="session"/> was not opened through this cluster.
    /// </exception>
    /// <exception cref="ObjectDisposedException">
    /// The session is ending or has ended (here or, having no owner record left, everywhere): the key was deleted before the
    /// throw, as its end would have, so it does not leak.
    /// </exception>
    /// <exception cref="RedisSessionUnavailableException">
    /// Redis did not answer in time, or the session was opened unclaimed (<see cref="RedisUnavailablePolicy.FailOpen"/>) and is
    /// not claimed yet: the key is not known to be owned and was left as it is.
    /// </exception>
    public async Task OwnRedisKeyAsync(Session session, RedisKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ThrowIfDisposed();
        if (string.IsNullOrEmpty(key))
        {
            throw new ArgumentException("RedisSessionCluster.OwnRedisKeyAsync needs a non-empty key.", nameof(key));
        }

        if (!OpenedBy.TryGetValue(session, out var cluster) || cluster != this)
        {
            throw new ArgumentException($"Session '{session.Id}' was not opened through this RedisSessionCluster (node '{NodeId}'): open it with OpenAsync or GetOrOpenAsync to give it keys in Redis.", nameof(session));
        }

        // On Redis Cluster the scripts that delete the key run in the cluster's hash slot; standalone Redis has no slots (-1).
        if (_redis.HashSlot(key) != _redis.HashSlot(_fenceKey))
        {
            throw new ArgumentException($"Key '{key}' hashes to another Redis Cluster slot than the session cluster's keys; put '{_base}' in its name so the session's end can delete it.", nameof(key));
        }

        // Opened unclaimed while Redis was down (fail-open): no record yet to give the key to, and the session lives on.
        if (_claims.TryGetValue(session.Id, out var claim))
        {
            lock (claim)
            {
                if (claim.Session == session && claim.Fence == 0 && session.IsActive)
                {
                    throw new RedisSessionUnavailableException($"Session '{session.Id}' was opened while Redis did not answer (RedisSessionOptions.WhenRedisUnavailable is FailOpen) and is not claimed yet on node '{NodeId}': key '{key}' was left as it is; give it again once the session is claimed.", null);
                }
            }
        }

        if (session.IsActive)
        {
            var owned = (int)await RunAsync(
                Scripts.Own,
                new[] { RecordKey(session.Id), OwnedKeysKey(session.Id), key },
                new RedisValue[] { (string)key! },
                cancellationToken).ConfigureAwait(false);
            if (owned == 1)
            {
                if (session.IsActive)
                {
                    return;
                }

                // It began ending meanwhile: its end may have run before the key joined its set.
                await DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }

        throw new ObjectDisposedException(session.ToString(), $"Session '{session.Id}' is ending or has ended: key '{key}' was deleted instead of being given to it.");
    }

    internal static bool TryGetOpener(Session session, out RedisSessionCluster cluster) => OpenedBy.TryGetValue(session, out cluster!);

    private RedisKey OwnedKeysKey(SessionId id) => _base + ":k:" + id.Value;

    private async Task DeleteAsync(RedisKey key, CancellationToken cancellationToken)
    {
        var deletion = _redis.GetDatabase().KeyDeleteAsync(key);
        try
        {
            await deletion.WaitAsync(_options.OperationTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Observe(deletion);
            throw Unavailable($"Redis did not delete key '{key}' of an ended session", ex);
        }
    }
}
