using System.Threading;

namespace SessionGuard;

public sealed partial class Session
{
    // A SessionEndReason + 1, 0 while the session is active (an int so that it is read and written atomically).
    private int _endReason;

    /// <summary>
    /// Why the session is ending or ended; null while it is active. Set before <see cref="Ending"/> is cancelled, so
    /// code woken by <see cref="Ending"/> (a connection closing its socket with a status that tells the client why)
    /// always sees it.
    /// </summary>
    public SessionEndReason? EndReason
    {
        get
        {
            int value = Volatile.Read(ref _endReason);
            return value == 0 ? null : (SessionEndReason)(value - 1);
        }

        internal set => Volatile.Write(ref _endReason, value is { } reason ? (int)reason + 1 : 0);
    }
}
