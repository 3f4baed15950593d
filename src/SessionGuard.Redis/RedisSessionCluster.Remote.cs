using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis;

/// <content>Sessions of other nodes: the announcements on the channel and the remote owners released by them.</content>
public sealed partial class RedisSessionCluster
{
    /// <summary>Raised for every session another node ended, or that was reclaimed from a lost node. Handler exceptions are logged.</summary>
    public event EventHandler<RemoteSessionEndedEventArgs>? RemoteSessionEnded;

    /// <summary>
    /// Adds a remote owner: state this node keeps for sessions of other nodes, released (its
    /// <see cref="ISessionScoped.ReleaseSessionAsync(SessionId, SessionReleaseContext)"/>) when another node announces the
    /// end of a session or a lost node's session is reclaimed. Not released for a session this node holds active.
    /// </summary>
    /// <param name="owner">The owner (a generated <c>[SessionScoped]</c> type or hand-written).</param>
    /// <returns>Dispose it to remove the owner.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="owner"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="owner"/> is already registered as a remote owner.</exception>
    public IDisposable RegisterRemote(ISessionScoped owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        lock (_gate)
        {
            if (Array.IndexOf(_remoteOwners, owner) >= 0)
            {
                throw new InvalidOperationException($"The owner {owner.GetType().FullName} is already registered as a remote owner.");
            }

            var owners = new ISessionScoped[_remoteOwners.Length + 1];
            _remoteOwners.CopyTo(owners, 0);
            owners[^1] = owner;
            Volatile.Write(ref _remoteOwners, owners);
        }

        return new RemoteRegistration(this, owner);
    }

    private void OnMessage(RedisChannel channel, RedisValue value)
    {
        string message = (string?)value ?? "";
        try
        {
            if (message.StartsWith("ended|", StringComparison.Ordinal))
            {
                var parts = message.Split('|', 5);
                if (parts.Length == 5 && Enum.TryParse<SessionEndReason>(parts[1], out var reason)
                    && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long fence) && SessionId.TryParse(parts[4], out var id))
                {
                    if (parts[3] == NodeId)
                    {
                        // Another node reclaimed or evicted this node's copy; its own ends change nothing.
                        if (reason is SessionEndReason.NodeLost or SessionEndReason.Evicted)
                        {
                            EndStaleCopy(id, fence, reason);
                        }
                    }
                    else
                    {
                        RemoteEnded(new RemoteSessionEndedEventArgs(id, parts[3], fence, reason));
                    }

                    return;
                }
            }
            else if (message.StartsWith("moved|", StringComparison.Ordinal))
            {
                var parts = message.Split('|', 4);
                if (parts.Length == 4 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long fence) && SessionId.TryParse(parts[3], out var id))
                {
                    if (parts[2] == NodeId)
                    {
                        EndStaleCopy(id, fence, SessionEndReason.MovedToAnotherNode);
                    }

                    return;
                }
            }

            Log.BadMessage(_logger, message);
        }
        catch (Exception ex)
        {
            Log.RemoteReleaseFailed(_logger, ex, default, message);
        }
    }

    private void RemoteEnded(RemoteSessionEndedEventArgs ended)
    {
        var handlers = RemoteSessionEnded;
        if (handlers is not null)
        {
            foreach (EventHandler<RemoteSessionEndedEventArgs> handler in handlers.GetInvocationList())
            {
                try
                {
                    handler(this, ended);
                }
                catch (Exception ex)
                {
                    Log.RemoteReleaseFailed(_logger, ex, ended.Id, ended.Node);
                }
            }
        }

        var owners = Volatile.Read(ref _remoteOwners);
        if (owners.Length > 0 && !_registry.IsActive(ended.Id))
        {
            _ = ReleaseRemoteAsync(owners, ended);
        }
    }

    private async Task ReleaseRemoteAsync(ISessionScoped[] owners, RemoteSessionEndedEventArgs ended)
    {
        foreach (var owner in owners)
        {
            try
            {
                await owner.ReleaseSessionAsync(ended.Id, new SessionReleaseContext()).AsTask().WaitAsync(_options.OperationTimeout, _time).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.RemoteReleaseFailed(_logger, ex, ended.Id, ended.Node);
            }
        }
    }

    private sealed class RemoteRegistration : IDisposable
    {
        private RedisSessionCluster? _cluster;
        private readonly ISessionScoped _owner;

        public RemoteRegistration(RedisSessionCluster cluster, ISessionScoped owner)
        {
            _cluster = cluster;
            _owner = owner;
        }

        public void Dispose()
        {
            var cluster = Interlocked.Exchange(ref _cluster, null);
            if (cluster is null)
            {
                return;
            }

            lock (cluster._gate)
            {
                int index = Array.IndexOf(cluster._remoteOwners, _owner);
                if (index >= 0)
                {
                    var owners = new ISessionScoped[cluster._remoteOwners.Length - 1];
                    Array.Copy(cluster._remoteOwners, 0, owners, 0, index);
                    Array.Copy(cluster._remoteOwners, index + 1, owners, index, owners.Length - index);
                    Volatile.Write(ref cluster._remoteOwners, owners);
                }
            }
        }
    }
}
