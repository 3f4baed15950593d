using Microsoft.CodeAnalysis;

namespace SessionGuard.Generators.Rules;

/// <summary>SG0001: The type holding a [SessionScoped] member must be partial</summary>
internal static class SG0001OwnerNotPartial
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        id: "SG0001",
        title: "The type holding a [SessionScoped] member must be partial",
        messageFormat: "[SessionScoped] member '{0}': type '{1}' must be declared partial (every part, and every enclosing type) so that the generated release can be added to it",
        category: RuleInfo.UsageCategory,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generator adds the ISessionScoped implementation to the owner type as another partial declaration; without 'partial' on the type and on every enclosing type nothing is generated and the member is never released.",
        helpLinkUri: RuleInfo.HelpLink("SG0001"));
}
