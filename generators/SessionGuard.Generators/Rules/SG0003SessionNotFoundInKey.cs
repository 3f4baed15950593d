using Microsoft.CodeAnalysis;

namespace SessionGuard.Generators.Rules;

/// <summary>SG0003: The key of a [SessionScoped] member does not tell its session</summary>
internal static class SG0003SessionNotFoundInKey
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        id: "SG0003",
        title: "The key of a [SessionScoped] member does not tell its session",
        messageFormat: "[SessionScoped] member '{0}': key type '{1}' {2}; key by SessionId or string, give the key exactly one SessionId member, or name it with [SessionScoped(SessionKey = \"...\")]",
        category: RuleInfo.UsageCategory,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generated release must find the session of every key: the key is a SessionId, a string holding the id's value, or a composite key with exactly one accessible SessionId member (or the SessionId or string member named by SessionKey).",
        helpLinkUri: RuleInfo.HelpLink("SG0003"));
}
