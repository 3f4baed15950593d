using System;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis;

/// <content>Fail-open: sessions opened unclaimed while Redis did not answer, claimed at the first heartbeats that go through.</content>
public sealed partial class RedisSessionCluster
{
    /// <summary>
    /// Claims every session opened unclaimed (<see cref="DrainAsync"/>: pipelined batches until none is left, as fast as
    /// Redis answers, not one batch per heartbeat), never taking one over: an id another live node claimed meanwhile ends
    /// here (<see cref="SessionEndReason.MovedToAnotherNode"/>), one past the cluster's cap ends
    /// (<see cref="SessionEndReason.Evicted"/>). A batch in which Redis failed ends the pass: its claims wait for the next.
    /// </summary>
    private Task ClaimDeferredAsync() => DrainAsync(_deferredClaims, ClaimDeferredAsync);

    /// <summary>Claims one session opened unclaimed; false when it was queued again (Redis failed, or the heartbeat lapsed).</summary>
    private async Task<bool> ClaimDeferredAsync(Claim claim)
    {
        Session? session;
        lock (claim)
        {
            session = claim.Session;
        }

        // Ended meanwhile: its end removes by token whatever claim of it Redis may hold.
        if (session is not { IsActive: true } || Volatile.Read(ref claim.Released) != 0)
        {
            return true;
        }

        RedisResult[] result;
        try
        {
            // Never a takeover: another node that claimed the id meanwhile keeps it.
            result = await RunClaimAsync(claim, refuse: true).ConfigureAwait(false);
        }
        catch (RedisSessionUnavailableException)
        {
            _deferredClaims.Enqueue(claim);
            return false;
        }

        switch ((int)result[0])
        {
            case 1:
                long fence = (long)result[2];
                bool released;
                lock (claim)
                {
                    claim.Fence = fence;
                    released = Volatile.Read(ref claim.Released) != 0;
                }

                // Its end began while the claim was on its way and may have found nothing to remove: remove it now.
                if (released)
                {
                    await EndInRedisAsync(new PendingEnd(claim.Id, fence, claim.Token, session.EndReason ?? SessionEndReason.Closed)).ConfigureAwait(false);
                }

                break;
            case 0:
                Log.DeferredClaimRefused(_logger, claim.Id, "another live node claimed it");
                _ = session.EndAsync(SessionEndReason.MovedToAnotherNode);
                break;
            case -2:
                Log.DeferredClaimRefused(_logger, claim.Id, "the cluster is full");
                _ = session.EndAsync(SessionEndReason.Evicted);
                break;
            default:
                // This node's heartbeat lapsed between the renewal and this claim: the next renewal tries again.
                _deferredClaims.Enqueue(claim);
                return false;
        }

        return true;
    }
}
