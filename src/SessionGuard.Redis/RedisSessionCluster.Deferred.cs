using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis;

/// <content>Fail-open: sessions opened unclaimed while Redis did not answer, claimed at the first heartbeats that go through.</content>
public sealed partial class RedisSessionCluster
{
    /// <summary>
    /// Claims up to <see cref="PendingEndsPerPass"/> sessions opened unclaimed, never taking one over: an id another live
    /// node claimed meanwhile ends here (<see cref="SessionEndReason.MovedToAnotherNode"/>), one past the cluster's cap ends
    /// (<see cref="SessionEndReason.Evicted"/>). Claims Redis misses wait for the next heartbeat.
    /// </summary>
    private async Task ClaimDeferredAsync()
    {
        var claims = new List<Task>();
        for (int n = Math.Min(_deferredClaims.Count, PendingEndsPerPass); n > 0 && _deferredClaims.TryDequeue(out var claim); n--)
        {
            claims.Add(ClaimDeferredAsync(claim));
        }

        await Task.WhenAll(claims).ConfigureAwait(false);
    }

    private async Task ClaimDeferredAsync(Claim claim)
    {
        Session? session;
        lock (claim)
        {
            session = claim.Session;
        }

        // Ended meanwhile: its end removes by token whatever claim of it Redis may hold.
        if (session is not { IsActive: true } || Volatile.Read(ref claim.Released) != 0)
        {
            return;
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
            return;
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
#pragma warning disable SG1001 // EndAsync never faults (a teardown completes with a report); the registry runs the teardown and DisposeAsync waits for it, so the refused claim does not wait for it
                _ = session.EndAsync(SessionEndReason.MovedToAnotherNode);
#pragma warning restore SG1001
                break;
            case -2:
                Log.DeferredClaimRefused(_logger, claim.Id, "the cluster is full");
#pragma warning disable SG1001 // EndAsync never faults (a teardown completes with a report); the registry runs the teardown and DisposeAsync waits for it, so the refused claim does not wait for it
                _ = session.EndAsync(SessionEndReason.Evicted);
#pragma warning restore SG1001
                break;
            default:
                // This node's heartbeat lapsed between the renewal and this claim: the next renewal tries again.
                _deferredClaims.Enqueue(claim);
                break;
        }
    }
}
