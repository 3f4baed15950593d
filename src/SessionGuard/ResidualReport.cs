using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace SessionGuard;

/// <summary>Entries one owner member still holds.</summary>
/// <param name="Owner">The owner's type name.</param>
/// <param name="Member">The member's name.</param>
/// <param name="Count">How many entries it holds.</param>
public readonly record struct ResidualEntry(string Owner, string Member, int Count);

/// <summary>
/// What the registered owners still hold (<see cref="SessionRegistry.CheckResiduals"/>). With no session open,
/// anything held is a leak: state written for an ended session, or by code that bypassed the registry.
/// </summary>
public sealed class ResidualReport
{
    internal ResidualReport(int activeSessions, IReadOnlyList<ResidualEntry> entries)
    {
        ActiveSessions = activeSessions;
        Entries = entries;
    }

    /// <summary>Sessions open when the check ran.</summary>
    public int ActiveSessions { get; }

    /// <summary>Every owner member holding at least one entry.</summary>
    public IReadOnlyList<ResidualEntry> Entries { get; }

    /// <summary>True when no owner member holds any entry.</summary>
    public bool IsClean => Entries.Count == 0;

    /// <summary>
    /// A human-readable summary naming every member that holds entries, e.g.
    /// <c>2 owner members hold entries (0 sessions open): MapOwner.LastText=1, MapOwner.Counters=3</c>.
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

        return sb.ToString();
    }

    private static string Plural(int count, string noun) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? noun : noun + "s");
}
