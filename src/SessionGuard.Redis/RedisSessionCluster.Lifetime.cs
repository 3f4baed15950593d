using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis;

/// <content>Leaving the cluster.</content>
public sealed partial class RedisSessionCluster
{
    /// <summary>
    /// Ends every session this node claimed (<see cref="SessionEndReason.Shutdown"/>; their records are removed), stops the
    /// heartbeat and leaves the cluster. Records it could not remove are reclaimed by another node once the heartbeat lapses.
    /// Disposes the connection only when the cluster made it (<see cref="Connect"/>).
    /// </summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposal is null)
            {
                Volatile.Write(ref _disposed, 1);
                _disposal = DisposeCoreAsync();
            }

            return new ValueTask(_disposal);
        }
    }

    /// <summary>Synchronous <see cref="DisposeAsync"/>, for containers that dispose synchronously. Blocks until it is done.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task DisposeCoreAsync()
    {
        ITimer? timer;
        lock (_gate)
        {
            timer = _timer;
            _timer = null;
        }

        if (timer is not null)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }

        // A start or a renewal in flight finishes first (each is bounded by OperationTimeout; new ones throw
        // ObjectDisposedException): none may write the heartbeat again after the node left.
        await Quietly(Volatile.Read(ref _beat)).ConfigureAwait(false);
        Task? started;
        Task? upkeep;
        lock (_gate)
        {
            started = _started;
            upkeep = _upkeep;
        }

        await Quietly(started).ConfigureAwait(false);

        // No pass starts once the node is disposed (checked under the gate), so this is the last one.
        await Quietly(upkeep).ConfigureAwait(false);

        // One live copy: a node that leaves keeps none. Each end removes its record (the release below).
        var ends = new List<Task>();
        foreach (var claim in _claims.Values)
        {
            Session? session;
            lock (claim)
            {
                session = claim.Session;
            }

            if (session is not null)
            {
                ends.Add(session.EndAsync(SessionEndReason.Shutdown));
            }
        }

        await Task.WhenAll(ends).ConfigureAwait(false);
        _ownerRegistration.Dispose();
        if (_started is not null)
        {
            try
            {
                int left = _pendingEnds.Count;
                while (left > 0)
                {
                    await RetryPendingEndsAsync().ConfigureAwait(false);
                    int now = _pendingEnds.Count;
                    if (now >= left)
                    {
                        break;
                    }

                    left = now;
                }

                await _redis.GetSubscriber().UnsubscribeAsync(_channel, _onMessage).WaitAsync(_options.OperationTimeout, _time).ConfigureAwait(false);
                await RunAsync(Scripts.Leave, new[] { _heartbeatKey, _setKey, _movedKey, _nodesKey }, new RedisValue[] { NodeId }).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.LeaveFailed(_logger, ex, NodeId);
            }
        }

        if (_ownsMeter)
        {
            _meter.Dispose();
        }

        if (_ownsConnection)
        {
            try
            {
                await _redis.CloseAsync().WaitAsync(_options.OperationTimeout, _time).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Log.LeaveFailed(_logger, ex, NodeId);
            }
            finally
            {
                _redis.Dispose();
            }
        }
    }

    private static async Task Quietly(Task? task)
    {
        if (task is null)
        {
            return;
        }

        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Its failure was reported to whoever awaited it; leaving goes on.
        }
    }
}
