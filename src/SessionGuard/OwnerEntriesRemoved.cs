namespace SessionGuard;

/// <summary>Entries one owner member held for the session and removed at its end.</summary>
/// <param name="Owner">The owner's type name.</param>
/// <param name="Member">The member's name (<c>*</c> when a hand-written owner reports only a total).</param>
/// <param name="Count">How many entries were removed.</param>
public readonly record struct OwnerEntriesRemoved(string Owner, string Member, int Count);
