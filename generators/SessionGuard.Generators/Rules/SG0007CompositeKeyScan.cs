using Microsoft.CodeAnalysis;

namespace SessionGuard.Generators.Rules;

/// <summary>SG0007: Composite key released by a scan: consider SessionMap</summary>
internal static class SG0007CompositeKeyScan
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        id: "SG0007",
        title: "Composite key released by a scan: consider SessionMap",
        messageFormat: "[SessionScoped] member '{0}' has composite key '{1}' on a {2}: releasing a session scans the whole collection; a SessionMap releases in O(that session's entries)",
        category: RuleInfo.PerformanceCategory,
        defaultSeverity: DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "A dictionary or set keyed by a composite key has no index by session, so the release enumerates every entry. SessionMap<K,V> keeps a per-session index.",
        helpLinkUri: RuleInfo.HelpLink("SG0007"));
}
