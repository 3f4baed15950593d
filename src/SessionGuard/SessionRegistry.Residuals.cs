using System;
using System.Collections.Generic;
using System.Threading;

namespace SessionGuard;

public sealed partial class SessionRegistry
{
    /// <summary>
    /// Counts what every registered owner still holds, per owner and member, and names the sessions it is held for.
    /// With no session open, anything held is a leak. The registry runs this check itself whenever its last session
    /// ends, and logs a warning naming what is held.
    /// </summary>
    public ResidualReport CheckResiduals()
    {
        _owners.EnsureResolved();
        List<ResidualEntry>? entries = null;
        HashSet<SessionId>? sessions = null;
        var set = _owners.Current;
        for (int o = 0; o < set.Owners.Length; o++)
        {
            var owner = set.Owners[o];
            string ownerName = set.Names[o];
            int members = owner.MemberCount;
            for (int i = 0; i < members; i++)
            {
                int count = owner.GetLiveEntryCount(i);
                if (count != 0)
                {
                    (entries ??= new()).Add(new ResidualEntry(ownerName, owner.GetMemberName(i), count));
                    CollectSessions(owner, i, sessions ??= new());
                }
            }
        }

        if (entries is null)
        {
            return new ResidualReport(Volatile.Read(ref _openCount), Array.Empty<ResidualEntry>());
        }

        SessionId[] named = sessions is null ? Array.Empty<SessionId>() : new SessionId[sessions.Count];
        sessions?.CopyTo(named);
        Array.Sort(named, static (a, b) => string.CompareOrdinal(a.Value, b.Value));
        return new ResidualReport(Volatile.Read(ref _openCount), entries.ToArray(), named);
    }

    private static void CollectSessions(ISessionScoped owner, int member, HashSet<SessionId> sessions)
    {
        try
        {
            owner.CollectLiveSessions(member, sessions);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // A plain collection changed while it was read without its lock, or a hand-written owner failed: the
            // counts are still reported, only the names of this member's sessions are missing.
        }
    }
}
