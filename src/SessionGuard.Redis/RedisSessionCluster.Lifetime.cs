using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
                await RetryPendingEndsAsync().ConfigureAwait(false);
                await _redis.GetSubscriber().UnsubscribeAsync(_channel, _onMessage).WaitAsync(_options.OperationTimeout, _time).ConfigureAwait(false);
                await RunAsync(Scripts.Leave, new[] { _heartbeatKey, _setKey, _movedKey, _nodesKey }, new RedisValue[] { NodeId }).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.LeaveFailed(_logger, ex, NodeId);
            }
        }

        if (_ownsConnection)
        {
            await _redis.CloseAsync().ConfigureAwait(false);
            _redis.Dispose();
        }
    }
}
