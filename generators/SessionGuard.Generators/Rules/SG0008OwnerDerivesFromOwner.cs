using Microsoft.CodeAnalysis;

namespace SessionGuard.Generators.Rules;

/// <summary>SG0008: An owner's base type also has [SessionScoped] members</summary>
internal static class SG0008OwnerDerivesFromOwner
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        id: "SG0008",
        title: "An owner's base type also has [SessionScoped] members",
        messageFormat: "[SessionScoped] member '{0}': base type '{1}' also has [SessionScoped] members, and a generated release for '{2}' would hide the base one; move the members into one type",
        category: RuleInfo.UsageCategory,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Each owner implements ISessionScoped explicitly; a derived owner's implementation replaces its base's, so the base members would never be released. Keep all [SessionScoped] members of a hierarchy in one type.",
        helpLinkUri: RuleInfo.HelpLink("SG0008"));
}
