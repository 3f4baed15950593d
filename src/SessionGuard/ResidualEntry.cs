namespace SessionGuard;

/// <summary>Entries one owner member still holds.</summary>
/// <param name="Owner">The owner's type name.</param>
/// <param name="Member">The member's name.</param>
/// <param name="Count">How many entries it holds.</param>
public readonly record struct ResidualEntry(string Owner, string Member, int Count);
