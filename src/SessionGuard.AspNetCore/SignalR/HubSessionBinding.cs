using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.SignalR;

namespace SessionGuard.AspNetCore.SignalR;

/// <summary>
/// The connection side of one hub session: at most one connection at a time, and the reconnect grace timer while it has
/// none. Owned by the session (one object per session, whatever the number of reconnects; its timer is replaced, never
/// added), so the session's teardown stops the timer and aborts a connection that is still there.
/// </summary>
/// <remarks>
/// Every decision is taken under <see cref="_gate"/>; the races are settled there:
/// <list type="bullet">
/// <item>Grace expiry against a reconnect: a reconnect stops the timer and bumps <see cref="_graceGeneration"/>, so a
/// timer callback already on its way sees a stale generation (or a connection) and does nothing. When the expiry wins
/// the gate it marks the binding expired before ending the session outside the gate; a connection that arrives in
/// between does not attach to the doomed session but joins its end and then opens a fresh one.</item>
/// <item>The session ending for another reason (idle, evicted, shutdown, the application) during the grace: a
/// connection that sees the session no longer active retries, and <see cref="SessionRegistry.GetOrOpenAsync"/> waits for
/// the end; the teardown disposes this binding, which stops the timer, and a timer callback that fired anyway finds the
/// binding disposed or the session ending (ending an ending session is a no-op that keeps the first reason).</item>
/// <item>A reconnect before the old connection has left (the client noticed the drop before the server did): the old
/// connection is superseded, aborted and awaited, so its <c>OnDisconnectedAsync</c> runs before the new connection's
/// <c>OnConnectedAsync</c>; it leaves as a lost connection, which starts the grace, which the waiting connection stops
/// when it attaches. If that connection gives up waiting, the grace timer still ends the session.</item>
/// </list>
/// </remarks>
internal sealed class HubSessionBinding : IDisposable
{
    private readonly SessionGuardHubFilter _filter;
    private readonly object _gate = new();
    private HubSession? _current;
    private ITimer? _graceTimer;
    private long _graceGeneration;
    private bool _attachedBefore;
    private bool _expired;
    private bool _disposed;

    public HubSessionBinding(SessionGuardHubFilter filter, Session session)
    {
        _filter = filter;
        Session = session;
    }

    public Session Session { get; }

    /// <summary>
    /// Makes a new connection the session's only one. Returns (null, false) when a connection is attached and there is no
    /// reconnect grace (a duplicate is refused), and (null, true) when the session is ending: the caller then opens a
    /// fresh one (<see cref="SessionRegistry.GetOrOpenAsync"/> waits for the end).
    /// </summary>
    public async Task<(HubSession? Connection, bool Retry)> AttachAsync(HubCallerContext caller, CancellationToken cancellationToken)
    {
        while (true)
        {
            HubSession? old;
            bool expired;
            lock (_gate)
            {
                if (_disposed || !Session.IsActive)
                {
                    return (null, true);
                }

                expired = _expired;
                old = _current;
                if (!expired)
                {
                    if (old is null)
                    {
                        StopGraceTimer();
                        var connection = new HubSession(this, caller, resumed: _attachedBefore);
                        _attachedBefore = true;
                        _current = connection;
                        return (connection, false);
                    }

                    if (_filter.Options.ReconnectGrace <= TimeSpan.Zero)
                    {
                        return (null, false);
                    }

                    old.Supersede();
                }
            }

            if (expired)
            {
                // The grace ran out and its timer is ending the session: join that end, then open a fresh session.
                await Session.EndAsync(SessionEndReason.Disconnected).WaitAsync(cancellationToken).ConfigureAwait(false);
                return (null, true);
            }

            old!.Caller.Abort();
            await old.Detached.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Called once per connection, from the filter's <c>OnDisconnectedAsync</c> (or when the hub's
    /// <c>OnConnectedAsync</c> failed): starts the reconnect grace when the connection was lost (or superseded) and there
    /// is one, ends the session otherwise. Returns the teardown to await, if any.
    /// </summary>
    public Task DetachAsync(HubSession connection, bool lost)
    {
        try
        {
            lost |= connection.Superseded;
            lock (_gate)
            {
                if (ReferenceEquals(_current, connection))
                {
                    _current = null;
                }

                if (_disposed || !Session.IsActive)
                {
                    return Task.CompletedTask;
                }

                var grace = _filter.Options.ReconnectGrace;
                if (lost && grace > TimeSpan.Zero)
                {
                    StopGraceTimer();
                    _graceTimer = _filter.Time.CreateTimer(static s => ((GraceState)s!).Expired(), new GraceState(this, _graceGeneration), grace, Timeout.InfiniteTimeSpan);
                    return Task.CompletedTask;
                }

                // Under the lock, so that no connection attaches between the decision and the end (the teardown runs
                // on the thread pool: nothing runs here but marking the session ending).
                return Session.EndAsync(lost ? SessionEndReason.Disconnected : SessionEndReason.Closed);
            }
        }
        finally
        {
            // After the decision: a connection waiting for this one to leave then finds the grace running (and stops it)
            // or the session ending (and opens a fresh one).
            connection.OnDetached();
        }
    }

    /// <summary>The session's teardown: stops the grace timer and aborts a connection that is still attached.</summary>
    public void Dispose()
    {
        HubSession? current;
        lock (_gate)
        {
            _disposed = true;
            StopGraceTimer();
            current = _current;
        }

        current?.Caller.Abort();
        _filter.Forget(this);
    }

    private void StopGraceTimer()
    {
        _graceGeneration++;
        _graceTimer?.Dispose();
        _graceTimer = null;
    }

    private void OnGraceExpired(long generation)
    {
        lock (_gate)
        {
            if (generation != _graceGeneration || _current is not null || _disposed || !Session.IsActive)
            {
                return;
            }

            _graceTimer?.Dispose();
            _graceTimer = null;
            _expired = true;
            _ = Session.EndAsync(SessionEndReason.Disconnected);
        }
    }

    private sealed class GraceState
    {
        private readonly HubSessionBinding _binding;
        private readonly long _generation;

        public GraceState(HubSessionBinding binding, long generation)
        {
            _binding = binding;
            _generation = generation;
        }

        public void Expired() => _binding.OnGraceExpired(_generation);
    }
}
