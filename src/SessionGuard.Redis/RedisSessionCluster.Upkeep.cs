using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis;

/// <content>
/// The upkeep beside the renewals: the check after a lapse, queued ends, deferred claims and the reclaim of lost nodes. It
/// runs after a renewal, one pass at a time, on its own: however long a pass takes, the renewals go on.
/// </content>
public sealed partial class RedisSessionCluster
{
    /// <summary>
    /// One upkeep pass: after a lapse, checks the sessions held here against their records; retries queued ends; claims
    /// sessions opened unclaimed; reclaims lost nodes.
    /// </summary>
    /// <returns>The number of sessions of lost nodes reclaimed.</returns>
    private async Task<long> UpkeepAsync()
    {
        ThrowIfDisposed();
        try
        {
            // A lapse the renewals noticed meanwhile (the count grew) is checked by the next pass.
            int lapses = Volatile.Read(ref _mustReconcile);
            if (lapses != 0)
            {
                await ReconcileAsync().ConfigureAwait(false);
                Interlocked.CompareExchange(ref _mustReconcile, 0, lapses);
            }

            await RetryPendingEndsAsync().ConfigureAwait(false);
            await ClaimDeferredAsync().ConfigureAwait(false);
            long reclaimed = await ReclaimLostNodesAsync().ConfigureAwait(false);
            LogReclaimed(reclaimed);
            Volatile.Write(ref _upkeepFailed, 0);
            return reclaimed;
        }
        catch (RedisSessionUnavailableException)
        {
            Volatile.Write(ref _upkeepFailed, 1);
            throw;
        }
    }

    /// <summary>Logs the sessions a reclaim took over, when there were any.</summary>
    private void LogReclaimed(long reclaimed)
    {
        if (reclaimed > 0)
        {
            Log.Reclaimed(_logger, reclaimed);
        }
    }

    /// <summary>
    /// Starts an upkeep pass on the thread pool unless one runs (the renewal that calls it goes on at once) or the node left.
    /// </summary>
    private void StartUpkeep()
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _disposed) != 0 || _upkeeping)
            {
                return;
            }

            _upkeeping = true;

            // Kept so that leaving waits for a pass in flight: no claim or reclaim may run after the node left.
            _upkeep = Task.Run(UpkeepFromTimerAsync);
        }
    }

    /// <summary>
    /// Takes <paramref name="queue"/> to empty, <see cref="UpkeepBatchSize"/> items pipelined at once and batch after batch,
    /// as fast as Redis answers. <paramref name="run"/> returns false when Redis failed and it queued its item again: that
    /// batch ends the pass, and the rest waits for the next.
    /// </summary>
    private static async Task DrainAsync<T>(ConcurrentQueue<T> queue, Func<T, Task<bool>> run)
    {
        while (!queue.IsEmpty)
        {
            var batch = new List<Task<bool>>();
            for (int n = UpkeepBatchSize; n > 0 && queue.TryDequeue(out var item); n--)
            {
                batch.Add(run(item));
            }

            foreach (bool done in await Task.WhenAll(batch).ConfigureAwait(false))
            {
                if (!done)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Condemns the nodes lost since the last pass (one script, O(1) in their sessions), then reclaims every condemned
    /// node's sessions in chunks, helping any other node at it: the chunks never take one session twice.
    /// </summary>
    private async Task<long> ReclaimLostNodesAsync()
    {
        var nodes = (RedisResult[])(await RunAsync(Scripts.Reclaim, new[] { _nodesKey, _reclaimsKey }, new RedisValue[] { _base, ReclaimNodesPerPass }).ConfigureAwait(false))!;
        long reclaimed = 0;
        foreach (var node in nodes)
        {
            reclaimed += await ReclaimNodeAsync((string)node!).ConfigureAwait(false);
        }

        return reclaimed;
    }

    /// <summary>Reclaims one condemned node's sessions, <see cref="ReclaimChunkSize"/> per script, until none is left.</summary>
    private async Task<long> ReclaimNodeAsync(string node)
    {
        long reclaimed = 0;
        while (true)
        {
            var result = (RedisResult[])(await RunAsync(Scripts.ReclaimChunk, new[] { _reclaimsKey }, new RedisValue[] { _base, _channelName, node, ReclaimChunkSize }).ConfigureAwait(false))!;
            reclaimed += (long)result[0];
            if ((long)result[1] == 0)
            {
                return reclaimed;
            }
        }
    }

    private async Task UpkeepFromTimerAsync()
    {
        try
        {
            await UpkeepAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }
        catch (Exception ex)
        {
            Log.UpkeepFailed(_logger, ex, NodeId);
        }
        finally
        {
            lock (_gate)
            {
                _upkeeping = false;
            }
        }
    }

    /// <summary>
    /// After a lapse: ends every copy whose owner record no longer names this node and this claim, or that another node
    /// condemned with this node (its record not reclaimed yet): the end removes the record and announces it, once.
    /// </summary>
    private async Task ReconcileAsync()
    {
        var held = new List<(Claim Claim, long Fence, Session Session)>();
        foreach (var claim in _claims.Values)
        {
            lock (claim)
            {
                // A copy opened unclaimed (fence 0) has no record to check: its deferred claim decides.
                if (claim.Session is { IsActive: true } session && claim.Fence > 0)
                {
                    held.Add((claim, claim.Fence, session));
                }
            }
        }

        Log.HeartbeatLapsed(_logger, NodeId, held.Count);
        if (held.Count == 0)
        {
            return;
        }

        var batch = _redis.GetDatabase().CreateBatch();
        var reads = new Task<RedisValue[]>[held.Count];
        var fields = new RedisValue[] { "node", "fence" };
        for (int i = 0; i < held.Count; i++)
        {
            reads[i] = batch.HashGetAsync(RecordKey(held[i].Claim.Id), fields);
        }

        // This node condemned while it was away, its reclaim not finished: its records up to this fencing number are lost.
        var condemnedUpTo = batch.HashGetAsync(_reclaimsKey, NodeId);
        batch.Execute();
        try
        {
            await Task.WhenAll(reads).WaitAsync(_options.OperationTimeout, _time).ConfigureAwait(false);
            await condemnedUpTo.WaitAsync(_options.OperationTimeout, _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable("Could not read the owner records after a lapse", ex);
        }

        long cutoff = (long?)condemnedUpTo.Result ?? 0;
        for (int i = 0; i < held.Count; i++)
        {
            var record = reads[i].Result;
            if ((string?)record[0] != NodeId || (long?)record[1] != held[i].Fence || held[i].Fence <= cutoff)
            {
                Log.EndingStaleCopy(_logger, held[i].Claim.Id, held[i].Fence, SessionEndReason.NodeLost);
                _ = held[i].Session.EndAsync(SessionEndReason.NodeLost);
            }
        }
    }
}
