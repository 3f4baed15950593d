using Microsoft.CodeAnalysis;

namespace SessionGuard.Generators.Rules;

/// <summary>SG0004: [SessionScoped] member should be read-only</summary>
internal static class SG0004MemberNotReadOnly
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        id: "SG0004",
        title: "[SessionScoped] member should be read-only",
        messageFormat: "[SessionScoped] member '{0}' can be reassigned; make it readonly (or a get-only/init-only property) so that entries cannot escape the release by replacing the collection",
        category: RuleInfo.UsageCategory,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "If the collection is replaced, the entries of the old instance are never released.",
        helpLinkUri: RuleInfo.HelpLink("SG0004"));
}
