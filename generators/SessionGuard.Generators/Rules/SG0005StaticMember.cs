using Microsoft.CodeAnalysis;

namespace SessionGuard.Generators.Rules;

/// <summary>SG0005: [SessionScoped] on a static member or in a static class</summary>
internal static class SG0005StaticMember
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        id: "SG0005",
        title: "[SessionScoped] on a static member or in a static class",
        messageFormat: "[SessionScoped] member '{0}' is static or in a static class; per-session state must live in an instance owner that joins the session registry",
        category: RuleInfo.UsageCategory,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generated release is an instance implementation of ISessionScoped; a static member or a static class cannot implement it.",
        helpLinkUri: RuleInfo.HelpLink("SG0005"));
}
