using Microsoft.CodeAnalysis;

namespace SessionGuard.Diagnostics;

/// <summary>
/// The identity of every SessionGuard diagnostic: its ID, its category and the link to its page. This file is
/// compiled into both Roslyn assemblies, the generator's (SG0xxx, reported by its usage analyzer) and the
/// analyzers' (SG1xxx, SG2xxx), so that each of these exists once; each assembly's <c>Descriptors</c> class
/// builds its rules with <see cref="Create"/>. Rule IDs are a public contract: never reuse or renumber one.
/// </summary>
internal static class DiagnosticRules
{
    /// <summary>Where the rule pages (<c>docs/rules/SGxxxx.md</c>) are published.</summary>
    public const string HelpLinkBase = "https://github.com/sessionguard/SessionGuard/blob/main/docs/rules/";

    /// <summary>Misuse of <c>[SessionScoped]</c> that stops or weakens the generated release.</summary>
    public const string UsageCategory = "Usage";

    /// <summary>Valid code the generated release handles more slowly than it could.</summary>
    public const string PerformanceCategory = "Performance";

    /// <summary>Code that leaks per-session state or work past the end of its session.</summary>
    public const string ReliabilityCategory = "Reliability";

    // SG0xxx: [SessionScoped] usage (generator assembly).
    public const string OwnerNotPartialId = "SG0001";
    public const string UnsupportedMemberTypeId = "SG0002";
    public const string SessionNotFoundInKeyId = "SG0003";
    public const string MemberNotReadOnlyId = "SG0004";
    public const string StaticMemberId = "SG0005";
    public const string InvalidSyncRootId = "SG0006";
    public const string CompositeKeyScanId = "SG0007";
    public const string OwnerDerivesFromOwnerId = "SG0008";

    // SG1xxx: tasks and async code (analyzer assembly).
    public const string FireAndForgetId = "SG1001";
    public const string AsyncVoidMethodId = "SG1002";
    public const string AsyncVoidLambdaId = "SG1003";
    public const string InvalidOptionId = "SG1004";
    public const string FireAndForgetNoVisibleFaultId = "SG1005";

    // SG2xxx: per-session state (analyzer assembly).
    public const string PerSessionCollectionId = "SG2001";
    public const string OwnerNotRegisteredId = "SG2002";
    public const string SubscriptionAccumulatesId = "SG2003";

    /// <summary>The link to the page of rule <paramref name="id"/>.</summary>
    public static string HelpLink(string id) => HelpLinkBase + id + ".md";

    /// <summary>A rule, enabled by default, linked to its page.</summary>
    public static DiagnosticDescriptor Create(
        string id, string title, string message, string category, DiagnosticSeverity severity, string description, params string[] customTags) =>
        new(id, title, message, category, severity, isEnabledByDefault: true,
            description: description, helpLinkUri: HelpLink(id), customTags: customTags);
}
