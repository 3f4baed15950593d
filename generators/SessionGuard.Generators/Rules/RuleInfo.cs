namespace SessionGuard.Generators.Rules;

/// <summary>Shared facts about the SG0xxx rules.</summary>
internal static class RuleInfo
{
    public const string UsageCategory = "SessionGuard.Usage";
    public const string PerformanceCategory = "SessionGuard.Performance";

    /// <summary>Where the rule pages (docs/rules/SG0xxx.md) are published; one constant so a move changes one line.</summary>
    public const string HelpBase = "https://github.com/sessionguard/sessionguard/blob/main/docs/rules/";

    public static string HelpLink(string id) => HelpBase + id + ".md";
}
