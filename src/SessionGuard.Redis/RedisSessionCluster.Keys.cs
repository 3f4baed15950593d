using System;
using System.Globalization;
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
    /// <exception cref="SessionOwnedElsewhereException">
    /// This copy was taken over: the owner record names another claim (another node, or another process under this node's
    /// name). The key was left as it is (it may be the new owner's) and this copy ends
    /// (<see cref="SessionEndReason.MovedToAnotherNode"/>), so it never writes with its old fencing number.
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

        for (int attempt = 0; session.IsActive; attempt++)
        {
            // The claim of this copy: an owner record of another claim means this copy was taken over.
            long fence = 0;
            string? token = null;
            if (_claims.TryGetValue(session.Id, out var claim))
            {
                lock (claim)
                {
                    if (claim.Session == session)
                    {
                        fence = claim.Fence;
                        token = claim.Token;
                    }
                }
            }

            // No claim of this copy: it is ending (its release dropped the claim).
            if (token is null)
            {
                break;
            }

            // Opened unclaimed while Redis was down (fail-open): no record yet to give the key to, and the session lives on.
            if (fence == 0)
            {
                throw new RedisSessionUnavailableException($"Session '{session.Id}' was opened while Redis did not answer (RedisSessionOptions.WhenRedisUnavailable is FailOpen) and is not claimed yet on node '{NodeId}': key '{key}' was left as it is; give it again once the session is claimed.", null);
            }

            var result = (RedisResult[])(await RunAsync(
                Scripts.Own,
                new[] { RecordKey(session.Id), OwnedKeysKey(session.Id), key },
                new RedisValue[] { (string)key!, NodeId, fence, token },
                cancellationToken).ConfigureAwait(false))!;
            switch ((int)result[0])
            {
                case 1:
                    if (session.IsActive)
                    {
                        return;
                    }

                    // It began ending meanwhile: its end may have run before the key joined its set.
                    await DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                    break;
                case 0:
                    // No record: the session ended everywhere, and the script deleted the key.
                    break;
                default:
                    string owner = (string)result[1]!;
                    _ = long.TryParse((string?)result[2], NumberStyles.None, CultureInfo.InvariantCulture, out long ownerFence);

                    // Claimed again by this copy meanwhile (after Redis lost its data): give the key to the new claim.
                    if (owner == NodeId && attempt < 2 && TryGetFence(session.Id, out long now) && now != fence)
                    {
                        continue;
                    }

                    // Taken over: the key may be the new owner's, so it stays as it is, and this copy ends as its notice would.
                    EndStaleCopy(session.Id, ownerFence, SessionEndReason.MovedToAnotherNode);
                    throw new SessionOwnedElsewhereException(session.Id, owner, ownerFence, $"Session '{session.Id}' on node '{NodeId}' (fencing number {fence}) was taken over by node '{owner}' (fencing number {ownerFence}): key '{key}' was left as it is and this copy ends.");
            }

            throw Ended(session, key);
        }

        await DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        throw Ended(session, key);
    }

    private static ObjectDisposedException Ended(Session session, RedisKey key) =>
        new(session.ToString(), $"Session '{session.Id}' is ending or has ended: key '{key}' was deleted instead of being given to it.");

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
