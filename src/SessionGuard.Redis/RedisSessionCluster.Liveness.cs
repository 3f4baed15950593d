using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis;

/// <content>Joining the cluster and staying alive: the heartbeat, reconcile after a lapse, ending copies another node took.</content>
public sealed partial class RedisSessionCluster
{
    /// <summary>
    /// Joins the cluster: subscribes to its channel, writes the first heartbeat and starts renewing it. The first open does
    /// it too; calling it at startup makes the node known before then. Safe to call again (a failed start is retried).
    /// </summary>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <exception cref="RedisSessionUnavailableException">Redis did not answer within <see cref="RedisSessionOptions.OperationTimeout"/>.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        Task started;
        lock (_gate)
        {
            if (_started is null || _started.IsFaulted || _started.IsCanceled)
            {
                _started = StartCoreAsync();
            }

            started = _started;
        }

        return started.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// One heartbeat: renews this node's key (one write whatever the number of sessions) and ends the copies another node
    /// took over meanwhile, then runs one upkeep pass: retries ends not yet written, claims sessions opened unclaimed, and
    /// reclaims the sessions of lost nodes. The timer renews every <see cref="RedisSessionOptions.HeartbeatInterval"/> and
    /// runs the upkeep beside the renewals, so a slow upkeep never delays a renewal; tests call this to do both at once.
    /// After a lapse (the key was gone, or more than <see cref="RedisSessionOptions.NodeTimeout"/> passed between the sends of
    /// two acknowledged renewals) the upkeep checks every session this node holds against its owner record and ends those it
    /// no longer owns (<see cref="SessionEndReason.NodeLost"/>), retrying the check at every pass until it succeeds.
    /// </summary>
    /// <returns>The number of sessions of lost nodes this call reclaimed.</returns>
    /// <exception cref="RedisSessionUnavailableException">Redis did not answer in time.</exception>
    /// <exception cref="ObjectDisposedException">The cluster is disposed (it left the cluster).</exception>
    public async Task<long> HeartbeatAsync()
    {
        await RenewAsync().ConfigureAwait(false);
        return await UpkeepAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Renews this node's heartbeat and handles what the reply says at once (copies taken over, a lapse to check, Redis's
    /// data lost): O(1) in Redis whatever the number of sessions, and nothing here waits for the upkeep.
    /// </summary>
    /// <returns>The sessions of an earlier process under this node's name that the first beat condemned, to reclaim.</returns>
    private async Task<long> RenewAsync()
    {
        ThrowIfDisposed();
        long sent = _time.GetTimestamp();
        bool first = Volatile.Read(ref _lastAcknowledged) == 0;
        RedisResult[] result;
        try
        {
            result = (RedisResult[])(await RunAsync(
                Scripts.Heartbeat,
                new[] { _heartbeatKey, _movedKey, _nodesKey, _setKey, _epochKey },
                new RedisValue[] { NodeId, (long)_options.NodeTimeout.TotalMilliseconds, _incarnation, _base, _channelName, first ? 1 : 0, Guid.NewGuid().ToString("N") }).ConfigureAwait(false))!;
        }
        catch (RedisSessionUnavailableException)
        {
            Volatile.Write(ref _renewalFailed, 1);
            throw;
        }

        // Redis lost its data (the epoch changed): every copy here is still the only one, so claim each again (as after
        // an open that failed open) instead of ending it for want of a record.
        string epoch = (string)result[4]!;
        string? known = Interlocked.Exchange(ref _epoch, epoch);
        if (known is not null && known != epoch)
        {
            ClaimAgainAfterDataLoss();
        }

        // The key may have lapsed without this reply saying so (an earlier renewal ran late and took the signal, or its
        // answer was lost): more than NodeTimeout between the sends of two acknowledged renewals is a lapse too. The
        // upkeep checks the sessions; until a check succeeds every pass retries it, so a lapse is never forgotten.
        long previous = Interlocked.Exchange(ref _lastAcknowledged, sent);
        if (!first && ((int)result[0] == 0 || _time.GetElapsedTime(previous, sent) >= _options.NodeTimeout))
        {
            Interlocked.Increment(ref _mustReconcile);
        }

        if ((int)result[3] == 1)
        {
            Log.NodeIdInUse(_logger, NodeId);
        }

        long condemned = (long)result[2];
        if (condemned > 0)
        {
            Log.ReclaimedPreviousIncarnation(_logger, NodeId, condemned);
        }

        foreach (var entry in (RedisResult[])result[1]!)
        {
            string text = (string)entry!;
            var reason = SessionEndReason.MovedToAnotherNode;
            if (text.StartsWith(EvictedEntry, StringComparison.Ordinal))
            {
                reason = SessionEndReason.Evicted;
                text = text[EvictedEntry.Length..];
            }

            int bar = text.IndexOf('|', StringComparison.Ordinal);
            if (bar > 0 && long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out long fence) && SessionId.TryParse(text[(bar + 1)..], out var id))
            {
                EndStaleCopy(id, fence, reason);
            }
        }

        Volatile.Write(ref _renewalFailed, 0);
        return condemned;
    }

    /// <summary>Renews this node's heartbeat, then starts an upkeep pass beside the renewals (which checks the sessions
    /// held here if the renewal found a lapse) without waiting for it.</summary>
    private async Task RenewThenStartUpkeepAsync()
    {
        await RenewAsync().ConfigureAwait(false);
        StartUpkeep();
    }

    private async Task StartCoreAsync()
    {
        try
        {
            await _redis.GetSubscriber().SubscribeAsync(_channel, _onMessage).WaitAsync(_options.OperationTimeout, _time).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Unavailable("Could not subscribe to the cluster channel", ex);
        }

        long condemned = await RenewAsync().ConfigureAwait(false);
        EnsureTimer();

        // What an earlier process under this name left is reclaimed before the first open (in chunks, the renewals going
        // on); if Redis fails meanwhile, the upkeep of any node finishes it.
        if (condemned > 0)
        {
            try
            {
                long reclaimed = await ReclaimNodeAsync(NodeId).ConfigureAwait(false);
                LogReclaimed(reclaimed);
            }
            catch (RedisSessionUnavailableException ex)
            {
                Log.UpkeepFailed(_logger, ex, NodeId);
            }
        }

        StartUpkeep();
    }

    /// <summary>Starts the heartbeat timer unless it runs or the node left; after a failed start it retries the start.</summary>
    private void EnsureTimer()
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                _timer ??= _time.CreateTimer(static s => ((RedisSessionCluster)s!).OnTimer(), this, _options.HeartbeatInterval, _options.HeartbeatInterval);
            }
        }
    }

    /// <summary>Queues every active claimed copy for a claim again (fence 0 until it is made), after Redis lost its data.</summary>
    private void ClaimAgainAfterDataLoss()
    {
        int count = 0;
        foreach (var claim in _claims.Values)
        {
            lock (claim)
            {
                if (claim.Session is not { IsActive: true } || claim.Fence == 0)
                {
                    continue;
                }

                claim.Fence = 0;
            }

            _deferredClaims.Enqueue(claim);
            count++;
        }

        Log.DataLost(_logger, NodeId, count);
    }

    /// <summary>Another node took this copy over (or reclaimed it): end it if it is that copy or an older one.</summary>
    private void EndStaleCopy(SessionId id, long fence, SessionEndReason reason)
    {
        if (!_claims.TryGetValue(id, out var claim))
        {
            return;
        }

        Session? stale = null;
        lock (claim)
        {
            // Not open yet, or open unclaimed (fence 0): a notice about an earlier copy of the id does not end it; the open
            // or the deferred claim decides.
            if (claim.Session is null || claim.Fence == 0)
            {
                claim.MovedFence = Math.Max(claim.MovedFence, fence);
            }
            else if (claim.Fence <= fence)
            {
                stale = claim.Session;
            }
        }

        if (stale is { IsActive: true })
        {
            Log.EndingStaleCopy(_logger, id, fence, reason);
            _ = stale.EndAsync(reason);
        }
    }

    private void OnTimer()
    {
        if (Interlocked.CompareExchange(ref _beating, 1, 0) != 0)
        {
            return;
        }

        // Kept so that leaving waits for a renewal in flight: none may run after the node left.
        Volatile.Write(ref _beat, BeatFromTimerAsync());
    }

    private async Task BeatFromTimerAsync()
    {
        try
        {
            Task? started;
            lock (_gate)
            {
                started = _started;
            }

            if (started is { IsCompletedSuccessfully: true })
            {
                await RenewThenStartUpkeepAsync().ConfigureAwait(false);
            }
            else if (started is { IsCompleted: false })
            {
                // A start in progress: once its first beat is acknowledged (it may still be reclaiming what an earlier
                // process left), the renewals go on without waiting for the rest of it.
                if (Volatile.Read(ref _lastAcknowledged) != 0)
                {
                    await RenewAsync().ConfigureAwait(false);
                }
            }
            else
            {
                // A start that failed (an open went ahead unclaimed) is retried here: it subscribes, then beats.
                await StartAsync().ConfigureAwait(false);
            }
        }
        catch (ObjectDisposedException)
        {
        }
        catch (Exception ex)
        {
            Log.HeartbeatFailed(_logger, ex, NodeId);
        }
        finally
        {
            Volatile.Write(ref _beating, 0);
        }
    }
}
