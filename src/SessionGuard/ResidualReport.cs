using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace SessionGuard;

/// <summary>
/// What the registered owners still hold (<see cref="SessionRegistry.CheckResiduals"/>). With no session open,
/// anything held is a leak: state written for an ended session, or by code that bypassed the registry.
/// </summary>
public sealed class ResidualReport
{
    /// <summary>How many of <see cref="Sessions"/> <see cref="ToString"/> names before it gives the count of the rest.</summary>
    internal const int SessionsNamed = 5;

    internal ResidualReport(int activeSessions, IReadOnlyList<ResidualEntry> entries, IReadOnlyList<SessionId>? sessions = null)
    {
        ActiveSessions = activeSessions;
        Entries = entries;
        Sessions = sessions ?? Array.Empty<SessionId>();
    }

    /// <summary>Sessions open when the check ran.</summary>
    public int ActiveSessions { get; }

    /// <summary>Every owner member holding at least one entry.</summary>
    public IReadOnlyList<ResidualEntry> Entries { get; }

    /// <summary>
    /// The sessions the entries belong to, in ordinal order: every session of a generated owner's entries (string keys
    /// that are not valid ids are left out). A hand-written owner names its sessions only if it implements
    /// <see cref="ISessionScoped.CollectLiveSessions"/>.
    /// </summary>
    public IReadOnlyList<SessionId> Sessions { get; }

    /// <summary>True when no owner member holds any entry.</summary>
    public bool IsClean => Entries.Count == 0;

    /// <summary>
    /// A human-readable summary naming every member that holds entries and the first sessions they hold entries for,
    /// e.g. <c>2 owner members hold entries (0 sessions open): MapOwner.LastText=1, MapOwner.Counters=3; for 7
    /// sessions: 'a', 'b', 'c', 'd', 'e' and 2 more</c>.
    /// </summary>
    public override string ToString()
    {
        string open = Plural(ActiveSessions, "session") + " open";
        if (IsClean)
        {
            return $"clean: no owner holds per-session entries ({open})";
        }

        var sb = new StringBuilder();
        sb.Append(Plural(Entries.Count, "owner member")).Append(Entries.Count == 1 ? " holds" : " hold")
          .Append(" entries (").Append(open).Append("): ");
        for (int i = 0; i < Entries.Count; i++)
        {
            var e = Entries[i];
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(e.Owner).Append('.').Append(e.Member).Append('=').Append(e.Count);
        }

        if (Sessions.Count > 0)
        {
            sb.Append("; for ").Append(Plural(Sessions.Count, "session")).Append(": ");
            int named = Math.Min(Sessions.Count, SessionsNamed);
            for (int i = 0; i < named; i++)
            {
                if (i > 0)
                {
                    sb.Append(", ");
                }

                sb.Append('\'').Append(Sessions[i].ToString()).Append('\'');
            }

            if (Sessions.Count > named)
            {
                sb.Append(" and ").Append((Sessions.Count - named).ToString(CultureInfo.InvariantCulture)).Append(" more");
            }
        }

        return sb.ToString();
    }

    private static string Plural(int count, string noun) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? noun : noun + "s");
}
