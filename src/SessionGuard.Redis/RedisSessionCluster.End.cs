using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis;

/// <content>Ending: removing the owner record when a claimed session ends, and retrying ends Redis missed.</content>
public sealed partial class RedisSessionCluster
{
    private async ValueTask ReleaseClaimAsync(Claim claim, Session session)
    {
        if (Interlocked.Exchange(ref claim.Released, 1) != 0)
        {
            return;
        }

        _claims.TryRemove(new KeyValuePair<SessionId, Claim>(claim.Id, claim));
        var reason = session.EndReason ?? SessionEndReason.Closed;
        await EndInRedisAsync(new PendingEnd(claim.Id, claim.Fence, claim.Token, reason)).ConfigureAwait(false);

        // A session this node took over may have left state in its remote owners from when another node held it; no
        // announcement comes back to this node for its own end, so release them here.
        var owners = Volatile.Read(ref _remoteOwners);
        if (owners.Length > 0)
        {
            await ReleaseRemoteAsync(owners, new RemoteSessionEndedEventArgs(claim.Id, NodeId, claim.Fence, reason)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Compare-and-delete of one claim, waiting at most half the registry's OwnerReleaseTimeout (an end runs inside the
    /// registry's release step, which must not fail because Redis is slow); queued for the next heartbeat when Redis fails.
    /// Never throws.
    /// </summary>
    private async Task<bool> EndInRedisAsync(PendingEnd end)
    {
        try
        {
            await RunAsync(
                Scripts.End,
                new[] { RecordKey(end.Id), _setKey },
                new RedisValue[] { end.Id.Value, NodeId, end.Fence == 0 ? RedisValue.EmptyString : end.Fence, end.Token, end.Reason.ToString(), _channelName, _base },
                _endTimeout).ConfigureAwait(false);
            return true;
        }
        catch (RedisSessionUnavailableException ex)
        {
            Log.EndFailed(_logger, ex, end.Id);
            _pendingEnds.Enqueue(end);
            return false;
        }
    }

    /// <summary>
    /// Writes every queued end (<see cref="DrainAsync"/>: pipelined batches until none is left, as fast as Redis answers; the
    /// renewals run apart, so a long queue after an outage delays no heartbeat). A batch in which Redis failed ends the
    /// pass: its ends are queued again for the next.
    /// </summary>
    private Task RetryPendingEndsAsync() => DrainAsync(_pendingEnds, EndInRedisAsync);

    private readonly record struct PendingEnd(SessionId Id, long Fence, string Token, SessionEndReason Reason);

    /// <summary>Joins the registry as an owner: its release runs when any session ends there, before the session is gone.</summary>
    private sealed class LocalEndWatcher : ISessionScoped
    {
        private readonly RedisSessionCluster _cluster;

        public LocalEndWatcher(RedisSessionCluster cluster) => _cluster = cluster;

        public int MemberCount => 0;

        public async ValueTask<int> ReleaseSessionAsync(SessionId session)
        {
            if (_cluster._claims.TryGetValue(session, out var claim))
            {
                Session? held;
                lock (claim)
                {
                    held = claim.Session;
                }

                // Null: the claim is still opening (its open notices an end that began meanwhile).
                if (held is not null)
                {
                    await _cluster.ReleaseClaimAsync(claim, held).ConfigureAwait(false);
                }
            }

            return 0;
        }

        public string GetMemberName(int index) => throw new ArgumentOutOfRangeException(nameof(index));

        public int GetLiveEntryCount(int index) => throw new ArgumentOutOfRangeException(nameof(index));
    }
}
