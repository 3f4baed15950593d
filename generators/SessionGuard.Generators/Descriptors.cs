using Microsoft.CodeAnalysis;
using static SessionGuard.Diagnostics.DiagnosticRules;

namespace SessionGuard.Generators;

/// <summary>
/// The diagnostic descriptors of the <c>[SessionScoped]</c> usage rules, reported by
/// <see cref="SessionScopedUsageAnalyzer"/> from the checks of <see cref="Parser"/> (one check a rule, in
/// <c>Parser.Rules.cs</c>). IDs, categories and the help link come from
/// <see cref="SessionGuard.Diagnostics.DiagnosticRules"/>, shared with the leak analyzers.
/// </summary>
internal static class Descriptors
{
    internal static readonly DiagnosticDescriptor OwnerNotPartial = Create(
        OwnerNotPartialId,
        "The type holding a [SessionScoped] member must be partial",
        "[SessionScoped] member '{0}': type '{1}' must be declared partial (every part, and every enclosing type) so that the generated release can be added to it",
        UsageCategory,
        DiagnosticSeverity.Error,
        "The generator adds the ISessionScoped implementation to the owner type as another partial declaration; without 'partial' on the type and on every enclosing type nothing is generated and the member is never released.");

    internal static readonly DiagnosticDescriptor UnsupportedMemberType = Create(
        UnsupportedMemberTypeId,
        "[SessionScoped] member type is not supported",
        "[SessionScoped] member '{0}' has type '{1}', which the generator cannot release; use Dictionary, IDictionary, ConcurrentDictionary, HashSet, ISet, PendingOperations or SessionMap",
        UsageCategory,
        DiagnosticSeverity.Error,
        "Only collections the generator knows how to empty per session are supported: Dictionary<K,V>, IDictionary<K,V>, ConcurrentDictionary<K,V>, HashSet<K>, ISet<K>, PendingOperations<K,R> and SessionMap<K,V>.");

    internal static readonly DiagnosticDescriptor SessionNotFoundInKey = Create(
        SessionNotFoundInKeyId,
        "The key of a [SessionScoped] member does not tell its session",
        "[SessionScoped] member '{0}': key type '{1}' {2}; key by SessionId or string, give the key exactly one SessionId member, or name it with [SessionScoped(SessionKey = \"...\")]",
        UsageCategory,
        DiagnosticSeverity.Error,
        "The generated release must find the session of every key: the key is a SessionId, a string holding the id's value, or a composite key with exactly one accessible SessionId member (or the SessionId or string member named by SessionKey).");

    internal static readonly DiagnosticDescriptor MemberNotReadOnly = Create(
        MemberNotReadOnlyId,
        "[SessionScoped] member should be read-only",
        "[SessionScoped] member '{0}' can be reassigned; make it readonly (or a get-only/init-only property) so that entries cannot escape the release by replacing the collection",
        UsageCategory,
        DiagnosticSeverity.Warning,
        "If the collection is replaced, the entries of the old instance are never released.");

    internal static readonly DiagnosticDescriptor StaticMember = Create(
        StaticMemberId,
        "[SessionScoped] on a static member or in a static class",
        "[SessionScoped] member '{0}' is static or in a static class; per-session state must live in an instance owner that joins the session registry",
        UsageCategory,
        DiagnosticSeverity.Error,
        "The generated release is an instance implementation of ISessionScoped; a static member or a static class cannot implement it.");

    internal static readonly DiagnosticDescriptor InvalidSyncRoot = Create(
        InvalidSyncRootId,
        "SyncRoot does not name a usable lock field",
        "[SessionScoped] member '{0}': SyncRoot '{1}' {2}; name a reference-type field of '{3}' that guards the collection",
        UsageCategory,
        DiagnosticSeverity.Error,
        "SyncRoot must name a field of the owner (or an accessible field of a base type) of a reference type, which the generated release locks while it removes entries.");

    internal static readonly DiagnosticDescriptor CompositeKeyScan = Create(
        CompositeKeyScanId,
        "Composite key released by a scan: consider SessionMap",
        "[SessionScoped] member '{0}' has composite key '{1}' on a {2}: releasing a session scans the whole collection; a SessionMap releases in O(that session's entries)",
        PerformanceCategory,
        DiagnosticSeverity.Info,
        "A dictionary or set keyed by a composite key has no index by session, so the release enumerates every entry. SessionMap<K,V> keeps a per-session index.");

    internal static readonly DiagnosticDescriptor OwnerDerivesFromOwner = Create(
        OwnerDerivesFromOwnerId,
        "An owner's base type also has [SessionScoped] members",
        "[SessionScoped] member '{0}': base type '{1}' also has [SessionScoped] members, and a generated release for '{2}' would hide the base one; move the members into one type",
        UsageCategory,
        DiagnosticSeverity.Error,
        "Each owner implements ISessionScoped explicitly; a derived owner's implementation replaces its base's, so the base members would never be released. Keep all [SessionScoped] members of a hierarchy in one type.");
}
