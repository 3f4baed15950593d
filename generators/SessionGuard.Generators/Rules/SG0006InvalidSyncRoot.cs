using Microsoft.CodeAnalysis;

namespace SessionGuard.Generators.Rules;

/// <summary>SG0006: SyncRoot does not name a usable lock field</summary>
internal static class SG0006InvalidSyncRoot
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        id: "SG0006",
        title: "SyncRoot does not name a usable lock field",
        messageFormat: "[SessionScoped] member '{0}': SyncRoot '{1}' {2}; name a reference-type field of '{3}' that guards the collection",
        category: RuleInfo.UsageCategory,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "SyncRoot must name a field of the owner (or an accessible field of a base type) of a reference type, which the generated release locks while it removes entries.",
        helpLinkUri: RuleInfo.HelpLink("SG0006"));
}
