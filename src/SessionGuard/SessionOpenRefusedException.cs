using System;

namespace SessionGuard;

/// <summary>
/// Thrown by an <see cref="ISessionOpener"/> that must ask something beyond this node before it opens a session (such as a
/// cluster's owner records) when that refuses the session or cannot be asked. Nothing was opened. The inner exception,
/// when there is one, is the integration's own (it names the option that decided).
/// </summary>
public sealed class SessionOpenRefusedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="session">The session that was not opened.</param>
    /// <param name="isTransient">
    /// True when the refusal says nothing about the session and may pass by itself (what the opener asks did not answer):
    /// the client may try again later. False when the session itself is refused (it is live elsewhere).
    /// </param>
    /// <param name="message">What refused it.</param>
    /// <param name="innerException">The integration's exception.</param>
    public SessionOpenRefusedException(SessionId session, bool isTransient, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Session = session;
        IsTransient = isTransient;
    }

    /// <summary>The session that was not opened.</summary>
    public SessionId Session { get; }

    /// <summary>
    /// True when the opener could not ask what decides (try again later); false when the session was refused (it is live
    /// elsewhere, and opening it here would make a second copy).
    /// </summary>
    public bool IsTransient { get; }
}
