using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace SessionGuard.AspNetCore.WebSockets;

/// <summary>
/// The connection side of one session of an endpoint: at most one connection at a time, and the reconnect grace timer
/// while it has none. Owned by the session, so its teardown aborts a socket that is still connected.
/// </summary>
internal sealed class SessionBinding : IDisposable
{
    private readonly SessionWebSocketEndpoint _endpoint;
    private readonly SemaphoreSlim _attachGate = new(1, 1);
    private readonly object _gate = new();
    private WebSocketConnection? _current;
    private ITimer? _graceTimer;
    private long _graceGeneration;
    private bool _attachedBefore;
    private bool _disposed;

    public SessionBinding(SessionWebSocketEndpoint endpoint, Session session)
    {
        _endpoint = endpoint;
        Session = session;
    }

    public Session Session { get; }

    public SessionWebSocketEndpoint Endpoint => _endpoint;

    /// <summary>
    /// Makes a new connection the session's only one. Returns (null, false) when the policy refuses a duplicate, and
    /// (null, true) when the session began ending: the caller then waits for its end and opens a fresh one.
    /// </summary>
    public async Task<(WebSocketConnection? Connection, bool Retry)> AttachAsync(HttpContext http, CancellationToken cancellationToken)
    {
        await _attachGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        bool replacedOld = false;
        try
        {
            WebSocketConnection? old;
            lock (_gate)
            {
                if (_disposed || !Session.IsActive)
                {
                    return (null, true);
                }

                old = _current;
                if (old is not null)
                {
                    if (_endpoint.Options.DuplicateConnection == DuplicateConnectionPolicy.Refuse)
                    {
                        return (null, false);
                    }

                    // From here the old connection no longer decides the session's end: we do.
                    old.MarkReplaced();
                    replacedOld = true;
                }
            }

            if (old is not null)
            {
                old.CloseForReplacement();
                await old.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            lock (_gate)
            {
                if (_disposed || !Session.IsActive)
                {
                    return (null, true);
                }

                StopGraceTimer();
                var connection = new WebSocketConnection(this, http, resumed: _attachedBefore);
                _attachedBefore = true;
                _current = connection;
                replacedOld = false;
                return (connection, false);
            }
        }
        finally
        {
            if (replacedOld)
            {
                // We took the session from its old connection but could not attach (timed out, request aborted):
                // nobody is connected and nobody will be; end it as a lost connection, before the next attach may start.
                _ = Session.EndAsync(SessionEndReason.Disconnected);
            }

            _attachGate.Release();
        }
    }

    /// <summary>
    /// Called once by a connection when it is finished (handler returned, socket closed or aborted): ends the session
    /// with <paramref name="reason"/>, or starts the reconnect grace when the connection was lost. Returns the teardown
    /// to await, if any.
    /// </summary>
    public Task Detach(WebSocketConnection connection, SessionEndReason reason)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_current, connection))
            {
                _current = null;
            }

            if (connection.Replaced || _disposed || !Session.IsActive)
            {
                return Task.CompletedTask;
            }

            var grace = _endpoint.Options.ReconnectGrace;
            if (reason == SessionEndReason.Disconnected && grace > TimeSpan.Zero)
            {
                StopGraceTimer();
                long generation = _graceGeneration;
                _graceTimer = _endpoint.Time.CreateTimer(static s => ((GraceState)s!).Expired(), new GraceState(this, generation), grace, Timeout.InfiniteTimeSpan);
                return Task.CompletedTask;
            }

            // Under the lock, so that no connection attaches between the decision and the end (the teardown itself
            // runs on the thread pool: nothing runs here but marking the session ending).
            return Session.EndAsync(reason);
        }
    }

    public void Dispose()
    {
        WebSocketConnection? current;
        lock (_gate)
        {
            _disposed = true;
            StopGraceTimer();
            current = _current;
            _current = null;
        }

        current?.Abort();
        _endpoint.Forget(this);
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
            if (generation != _graceGeneration || _current is not null || _disposed)
            {
                return;
            }

            _graceTimer?.Dispose();
            _graceTimer = null;

            // Under the lock: a reconnect either stopped the timer before this, or finds the session ending after it
            // (and opens a fresh one); it never attaches to a session that then ends under it.
            _ = Session.EndAsync(SessionEndReason.Disconnected);
        }
    }

    private sealed class GraceState
    {
        private readonly SessionBinding _binding;
        private readonly long _generation;

        public GraceState(SessionBinding binding, long generation)
        {
            _binding = binding;
            _generation = generation;
        }

        public void Expired() => _binding.OnGraceExpired(_generation);
    }
}
