using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis;

/// <content>Opening: claiming an id in Redis, then opening it in the registry; the hosts' <see cref="ISessionOpener"/>.</content>
public sealed partial class RedisSessionCluster : ISessionOpener
{
    /// <summary>
    /// Claims <paramref name="id"/> for this node, then opens it in the registry. When another live node owns it, takes it
    /// over or refuses, by <see cref="RedisSessionOptions.WhenOwnedElsewhere"/>.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="cancellationToken">Stops the wait for Redis (the session is then not opened).</param>
    /// <returns>The new session.</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is <c>default(SessionId)</c>.</exception>
    /// <exception cref="InvalidOperationException">A session with this id is open, being opened or still ending on this node.</exception>
    /// <exception cref="SessionOwnedElsewhereException">Another live node owns it and the policy is <see cref="RemoteOwnerPolicy.Refuse"/>.</exception>
    /// <exception cref="RedisSessionUnavailableException">
    /// Redis did not answer in time and <see cref="RedisSessionOptions.WhenRedisUnavailable"/> is
    /// <see cref="RedisUnavailablePolicy.FailClosed"/>: nothing was opened. With <see cref="RedisUnavailablePolicy.FailOpen"/> the
    /// session opens here unclaimed instead.
    /// </exception>
    /// <exception cref="SessionLimitExceededException">
    /// The registry is full and refuses new sessions, or the cluster is (<see cref="RedisSessionOptions.MaxSessionsPerCluster"/>
    /// with <see cref="ClusterOverflowPolicy.Reject"/>).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The cluster or the registry is disposed.</exception>
    public Task<Session> OpenAsync(SessionId id, CancellationToken cancellationToken = default) => OpenCoreAsync(id, exclusive: true, waitForEnd: false, cancellationToken);

    /// <summary>
    /// Returns this node's active session with this id, or claims the id and opens it like <see cref="OpenAsync"/>.
    /// Concurrent callers for one id share one claim and get the same session.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <returns>The active session.</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is <c>default(SessionId)</c>.</exception>
    /// <exception cref="InvalidOperationException">The session with this id is still ending on this node.</exception>
    /// <exception cref="SessionOwnedElsewhereException">Another live node owns it and the policy is <see cref="RemoteOwnerPolicy.Refuse"/>.</exception>
    /// <exception cref="RedisSessionUnavailableException">
    /// Redis did not answer in time and <see cref="RedisSessionOptions.WhenRedisUnavailable"/> is
    /// <see cref="RedisUnavailablePolicy.FailClosed"/>: nothing was opened. With <see cref="RedisUnavailablePolicy.FailOpen"/> the
    /// session opens here unclaimed instead.
    /// </exception>
    /// <exception cref="SessionLimitExceededException">
    /// The registry is full and refuses new sessions, or the cluster is (<see cref="RedisSessionOptions.MaxSessionsPerCluster"/>
    /// with <see cref="ClusterOverflowPolicy.Reject"/>).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The cluster or the registry is disposed.</exception>
    public Task<Session> GetOrOpenAsync(SessionId id, CancellationToken cancellationToken = default) => OpenCoreAsync(id, exclusive: false, waitForEnd: false, cancellationToken);

    /// <summary>
    /// Opens for the hosts (the ASP.NET Core endpoints and hub filter, through the container's <see cref="ISessionOpener"/>,
    /// which <c>AddRedis</c> makes this cluster): like <see cref="GetOrOpenAsync"/>, but a copy still ending on this node is
    /// waited for (a reconnect that comes while its old session is torn down gets a fresh, claimed one), and a refusal comes
    /// as <see cref="SessionOpenRefusedException"/> with the cluster's exception inside: not transient for
    /// <see cref="SessionOwnedElsewhereException"/>, transient for <see cref="RedisSessionUnavailableException"/>.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <returns>The active session.</returns>
    async ValueTask<Session> ISessionOpener.GetOrOpenAsync(SessionId id, CancellationToken cancellationToken)
    {
        try
        {
            return await OpenCoreAsync(id, exclusive: false, waitForEnd: true, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionOwnedElsewhereException ex)
        {
            throw new SessionOpenRefusedException(id, isTransient: false, ex.Message, ex);
        }
        catch (RedisSessionUnavailableException ex)
        {
            throw new SessionOpenRefusedException(id, isTransient: true, ex.Message, ex);
        }
    }

    /// <summary>
    /// The fencing number of this node's active copy of the session: pass it with every write to shared storage, which
    /// refuses a write carrying a lower number than one it saw, so a copy that was taken over cannot write after its
    /// successor.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="fence">The fencing number; 0 when false.</param>
    /// <returns>
    /// False when this node holds no active claimed copy of the session, or holds one opened unclaimed while Redis was down
    /// (<see cref="RedisUnavailablePolicy.FailOpen"/>) whose claim has not been made yet.
    /// </returns>
    public bool TryGetFence(SessionId id, out long fence)
    {
        if (!id.IsDefault && _claims.TryGetValue(id, out var claim))
        {
            lock (claim)
            {
                if (claim.Session is { IsActive: true } && claim.Fence > 0)
                {
                    fence = claim.Fence;
                    return true;
                }
            }
        }

        fence = 0;
        return false;
    }

    private async Task<Session> OpenCoreAsync(SessionId id, bool exclusive, bool waitForEnd, CancellationToken cancellationToken)
    {
        SessionId.ThrowIfDefault(id, nameof(id));
        ThrowIfDisposed();
        while (true)
        {
            if (_claims.TryGetValue(id, out var existing))
            {
                if (exclusive)
                {
                    throw new InvalidOperationException($"Session '{id}' is already open, being opened or still ending on this node; use GetOrOpenAsync to share it.");
                }

                var opened = await existing.Opened.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (opened is { IsActive: true })
                {
                    return opened;
                }

                if (opened is not null && _claims.TryGetValue(id, out var current) && current == existing)
                {
                    if (waitForEnd)
                    {
                        // Its release (in the teardown, before the teardown completes) drops the claim.
                        await opened.EndAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    throw new InvalidOperationException($"Session '{id}' is still ending; await its EndAsync before opening the id again.");
                }

                continue;
            }

            // Not claimed in Redis (which may take the session from another node) when this node cannot open it anyway.
            if (exclusive && _registry.IsActive(id))
            {
                throw new InvalidOperationException($"Session '{id}' is already open on this node (opened on the registry directly); use GetOrOpenAsync to share it.");
            }

            var claim = new Claim(id);
            if (_claims.TryAdd(id, claim))
            {
                return await OpenClaimedAsync(claim, exclusive, waitForEnd, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<Session> OpenClaimedAsync(Claim claim, bool exclusive, bool waitForEnd, CancellationToken cancellationToken)
    {
        long fence;
        bool deferred = false;
        try
        {
            await StartAsync(cancellationToken).ConfigureAwait(false);
            fence = await ClaimInRedisAsync(claim, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisSessionUnavailableException ex) when (_options.WhenRedisUnavailable == RedisUnavailablePolicy.FailOpen && Volatile.Read(ref _disposed) == 0)
        {
            // Service first: open it here unclaimed; the heartbeat claims it once Redis answers (ClaimDeferredAsync).
            Log.OpenedUnclaimed(_logger, ex, claim.Id);
            fence = 0;
            deferred = true;
            EnsureTimer();
        }
        catch (Exception ex)
        {
            // Fail-open left the lost claim's removal to the deferred claim, but the cluster began leaving: remove it by token.
            if (ex is RedisSessionUnavailableException && _options.WhenRedisUnavailable == RedisUnavailablePolicy.FailOpen)
            {
                _pendingEnds.Enqueue(new PendingEnd(claim.Id, 0, claim.Token, SessionEndReason.Closed));
            }

            Abandon(claim, ex);
            throw;
        }

        Session session;
        try
        {
            ThrowIfDisposed();
            // A copy still ending in the registry no longer holds a claim (its release dropped it): its end in Redis names
            // its own fence, so it leaves this newer claim alone.
            session = exclusive ? _registry.Open(claim.Id)
                : waitForEnd ? await _registry.GetOrOpenAsync(claim.Id, cancellationToken).ConfigureAwait(false)
                : _registry.GetOrOpen(claim.Id);
        }
        catch (Exception ex)
        {
            Abandon(claim, ex);
            await EndInRedisAsync(new PendingEnd(claim.Id, fence, claim.Token, SessionEndReason.Closed)).ConfigureAwait(false);
            throw;
        }

        OpenedBy.AddOrUpdate(session, this);
        bool moved;
        lock (claim)
        {
            claim.Fence = fence;
            claim.Session = session;
            moved = !deferred && claim.MovedFence >= fence;
        }

        if (deferred)
        {
            _deferredClaims.Enqueue(claim);
        }

        claim.Opened.TrySetResult(session);
        if (moved)
        {
            Log.EndingStaleCopy(_logger, claim.Id, fence, SessionEndReason.MovedToAnotherNode);
            _ = session.EndAsync(SessionEndReason.MovedToAnotherNode);
        }
        else if (Volatile.Read(ref _disposed) != 0)
        {
            // The cluster began leaving after this open passed its check: its shutdown may have missed this session.
            _ = session.EndAsync(SessionEndReason.Shutdown);
        }

        if (!session.IsActive)
        {
            // It began ending before the claim knew it: its release may have passed the claim by. Releasing is idempotent.
            await ReleaseClaimAsync(claim, session).ConfigureAwait(false);
        }

        return session;
    }

    /// <summary>
    /// Drops a claim whose open failed. Callers sharing it get the same failure, not a claim of their own one after another;
    /// when the opener only gave up (its token), they try again.
    /// </summary>
    private void Abandon(Claim claim, Exception failure)
    {
        Volatile.Write(ref claim.Released, 1);
        _claims.TryRemove(new KeyValuePair<SessionId, Claim>(claim.Id, claim));
        if (failure is OperationCanceledException)
        {
            claim.Opened.TrySetResult(null);
        }
        else
        {
            claim.Opened.TrySetException(failure);
            _ = claim.Opened.Task.Exception; // observed: the opener rethrows it, and there may be no one else
        }
    }

    private async Task<long> ClaimInRedisAsync(Claim claim, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            RedisResult[] result;
            try
            {
                result = await RunClaimAsync(claim, _options.WhenOwnedElsewhere == RemoteOwnerPolicy.Refuse, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisSessionUnavailableException or OperationCanceledException)
            {
                // The claim may have been written though its answer was lost: remove it by its token once Redis answers.
                // Not when the session opens unclaimed instead: its deferred claim (same token) overwrites it, or its end
                // removes it by that token.
                if (ex is OperationCanceledException || _options.WhenRedisUnavailable == RedisUnavailablePolicy.FailClosed)
                {
                    _pendingEnds.Enqueue(new PendingEnd(claim.Id, 0, claim.Token, SessionEndReason.Closed));
                }

                throw;
            }

            switch ((int)result[0])
            {
                case 1:
                    return (long)result[2];
                case -2:
                    int cap = _options.MaxSessionsPerCluster!.Value;
                    throw new SessionLimitExceededException(claim.Id, cap, $"Cannot open session '{claim.Id}': {(long)result[1]} sessions are already open across the cluster (RedisSessionOptions.MaxSessionsPerCluster is {cap}) and the policy is Reject.");
                case 0:
                    throw new SessionOwnedElsewhereException(claim.Id, (string)result[1]!, long.Parse((string)result[2]!, NumberStyles.None, CultureInfo.InvariantCulture));
                default:
                    // This node's heartbeat lapsed: renew it, then claim again. The check of the sessions held here (the
                    // renewal flags it) runs in an upkeep pass of its own: this open does not wait for it.
                    if (attempt > 0)
                    {
                        throw Unavailable($"Session '{claim.Id}' could not be claimed: this node's heartbeat lapses faster than it is renewed", null);
                    }

                    ThrowIfDisposed();
                    await RenewThenStartUpkeepAsync().ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Runs <see cref="Scripts.Claim"/> for <paramref name="claim"/>; see the script for the answers.</summary>
    private async Task<RedisResult[]> RunClaimAsync(Claim claim, bool refuse, CancellationToken cancellationToken = default) =>
        (RedisResult[])(await RunAsync(
            Scripts.Claim,
            new[] { RecordKey(claim.Id), _fenceKey, _setKey, _heartbeatKey, _allKey },
            new RedisValue[]
            {
                claim.Id.Value, NodeId, refuse ? 1 : 0, _base, _channelName, claim.Token,
                _options.MaxSessionsPerCluster ?? 0, _options.WhenClusterFull == ClusterOverflowPolicy.EvictOldest ? 1 : 0,
            },
            cancellationToken).ConfigureAwait(false))!;

    /// <summary>This node's claim on one session id.</summary>
    private sealed class Claim
    {
        public Claim(SessionId id) => Id = id;

        public SessionId Id { get; }

        /// <summary>Random, written into the record with the claim: removes a claim whose answer was lost.</summary>
        public string Token { get; } = Guid.NewGuid().ToString("N");

        /// <summary>The session once opened; null when the open failed.</summary>
        public TaskCompletionSource<Session?> Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Guarded by the claim's lock. Fence 0: opened unclaimed (fail-open), its claim waits in the deferred queue.
        public long Fence;
        public Session? Session;
        public long MovedFence;

        public int Released;
    }
}
