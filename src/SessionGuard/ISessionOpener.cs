using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard;

/// <summary>
/// Opens the sessions of connections a host serves (the ASP.NET Core WebSocket endpoints and SignalR hub filter resolve
/// it from the container). <see cref="SessionRegistry"/> implements it and is the one registered by <c>AddSessionGuard</c>;
/// an integration that must approve every open (such as a cluster that claims the session first) registers itself
/// instead, so the hosts open through it without changes of their own.
/// </summary>
/// <remarks>Implementations are thread-safe.</remarks>
public interface ISessionOpener
{
    /// <summary>
    /// Returns the active session with this id, opening it if there is none; while a session with this id is still ending
    /// on this node, waits for its teardown and then opens a fresh one (as <see cref="SessionRegistry.GetOrOpenAsync"/>).
    /// Concurrent callers for one id get the same session.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <returns>The active session.</returns>
    /// <exception cref="System.ArgumentException"><paramref name="id"/> is <c>default(SessionId)</c>.</exception>
    /// <exception cref="System.OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SessionLimitExceededException">A cap on the number of sessions (this node's or a wider one) is reached and its policy rejects.</exception>
    /// <exception cref="SessionOpenRefusedException">
    /// Something this opener must ask refused the session (it lives elsewhere) or did not answer; nothing was opened.
    /// </exception>
    /// <exception cref="System.ObjectDisposedException">The opener or its registry is disposed.</exception>
    ValueTask<Session> GetOrOpenAsync(SessionId id, CancellationToken cancellationToken = default);
}
