using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard;

public sealed partial class SessionRegistry
{
    /// <summary>
    /// Returns the active session with this id, opening it if there is none, like <see cref="GetOrOpen"/>; but while
    /// a session with this id is still ending, waits for its teardown to finish and then opens a fresh session
    /// instead of throwing. A reconnect that arrives while its old session is being torn down gets a new session.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="cancellationToken">Bounds the wait for an ending session; the teardown itself always runs to the end.</param>
    /// <returns>The active session: the existing one, or a new one.</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is <c>default(SessionId)</c>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting for an ending session.</exception>
    /// <exception cref="SessionLimitExceededException">The cap is reached and the policy is <see cref="SessionOverflowPolicy.Reject"/>.</exception>
    /// <exception cref="ObjectDisposedException">The registry is disposed.</exception>
    public ValueTask<Session> GetOrOpenAsync(SessionId id, CancellationToken cancellationToken = default)
    {
        SessionId.ThrowIfDefault(id, nameof(id));
        ThrowIfDisposed();
        _owners.EnsureResolved();
        while (true)
        {
            if (_sessions.TryGetValue(id, out var existing))
            {
                if (existing.IsActive)
                {
                    return new ValueTask<Session>(existing);
                }

                // Ending: its teardown task is the one every EndAsync caller gets.
                return WaitThenOpenAsync(id, StartTeardown(existing, SessionEndReason.Closed, out _), cancellationToken);
            }

            if (TryOpenNew(id) is { } session)
            {
                return new ValueTask<Session>(session);
            }
        }
    }

    private async ValueTask<Session> WaitThenOpenAsync(SessionId id, Task<SessionTeardownReport> teardown, CancellationToken cancellationToken)
    {
        while (true)
        {
            // The session leaves the map before its teardown task completes, so after this wait the id is free
            // (or taken by a session another caller opened: then that one is returned).
            await teardown.WaitAsync(cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            ThrowIfDisposed();
            if (_sessions.TryGetValue(id, out var existing))
            {
                if (existing.IsActive)
                {
                    return existing;
                }

                teardown = StartTeardown(existing, SessionEndReason.Closed, out _);
                continue;
            }

            if (TryOpenNew(id) is { } session)
            {
                return session;
            }
        }
    }
}
