using Microsoft.CodeAnalysis;

namespace SessionGuard.Generators.Rules;

/// <summary>SG0002: [SessionScoped] member type is not supported</summary>
internal static class SG0002UnsupportedMemberType
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        id: "SG0002",
        title: "[SessionScoped] member type is not supported",
        messageFormat: "[SessionScoped] member '{0}' has type '{1}', which the generator cannot release; use Dictionary, IDictionary, ConcurrentDictionary, HashSet, ISet, PendingOperations or SessionMap",
        category: RuleInfo.UsageCategory,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Only collections the generator knows how to empty per session are supported: Dictionary<K,V>, IDictionary<K,V>, ConcurrentDictionary<K,V>, HashSet<K>, ISet<K>, PendingOperations<K,R> and SessionMap<K,V>.",
        helpLinkUri: RuleInfo.HelpLink("SG0002"));
}
