using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SessionGuard.Analyzers;

/// <summary>
/// The <c>.editorconfig</c> options of SG1001:
/// <c>sessionguard.SG1001.report_discards</c> (true/false, default true),
/// <c>sessionguard.SG1001.owner_methods</c> (a comma-separated list of methods that take ownership
/// of a task: <c>Method</c>, <c>Type.Method</c> or <c>Namespace.Type.Method</c>), and the placeholder-by-design
/// options <c>sessionguard.SG1001.owned_receiver_types</c> and <c>sessionguard.SG1001.fire_and_forget_arguments</c>
/// (see <see cref="IsPlaceholderCall"/>), and <c>sessionguard.SG1001.report_in_test_projects</c> (true/false, default
/// true; see <see cref="TestProjects"/>).
/// </summary>
internal sealed partial class FireAndForgetOptions
{
    internal const string ReportDiscardsKey = "sessionguard.SG1001.report_discards";
    internal const string OwnerMethodsKey = "sessionguard.SG1001.owner_methods";
    internal const string ReportInTestProjectsKey = "sessionguard.SG1001.report_in_test_projects";

    private static readonly ConcurrentDictionary<string, FireAndForgetOptions> Parsed = new(StringComparer.Ordinal);
    private static readonly FireAndForgetOptions Default = new(true, true, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>());

    private readonly string[] _ownerMethods;

    private FireAndForgetOptions(bool reportDiscards, bool reportInTestProjects, string[] ownerMethods, string[] ownedReceivers, string[] placeholderArguments)
    {
        ReportDiscards = reportDiscards;
        ReportInTestProjects = reportInTestProjects;
        _ownerMethods = ownerMethods;
        _ownedReceivers = ownedReceivers;
        _placeholderArguments = placeholderArguments;
    }

    public bool ReportDiscards { get; }

    /// <summary>False when <c>report_in_test_projects = false</c>: SG1001 is then silent in a test project.</summary>
    public bool ReportInTestProjects { get; }

    public static FireAndForgetOptions Get(AnalyzerOptions options, SyntaxTree tree)
    {
        var config = options.AnalyzerConfigOptionsProvider.GetOptions(tree);
        bool hasDiscards = config.TryGetValue(ReportDiscardsKey, out var discards);
        bool hasOwners = config.TryGetValue(OwnerMethodsKey, out var owners);
        bool hasReceivers = config.TryGetValue(OwnedReceiverTypesKey, out var receivers);
        bool hasArguments = config.TryGetValue(FireAndForgetArgumentsKey, out var arguments);
        bool hasTests = config.TryGetValue(ReportInTestProjectsKey, out var tests);
        if (!hasDiscards && !hasOwners && !hasReceivers && !hasArguments && !hasTests)
        {
            return Default;
        }

        string key = (discards ?? string.Empty) + "\n" + (owners ?? string.Empty) + "\n" + (receivers ?? string.Empty) + "\n"
            + (arguments ?? string.Empty) + "\n" + (tests ?? string.Empty);
        if (Parsed.TryGetValue(key, out var parsed))
        {
            return parsed;
        }

        return Parsed.GetOrAdd(key, Parse(discards, owners, receivers, arguments, tests));
    }

    /// <summary>True when <paramref name="method"/> is one of the configured owner methods.</summary>
    public bool IsOwnerMethod(IMethodSymbol method)
    {
        if (_ownerMethods.Length == 0)
        {
            return false;
        }

        method = method.ReducedFrom ?? method;
        string? typeName = null;
        string? fullName = null;
        foreach (var entry in _ownerMethods)
        {
            int lastDot = entry.LastIndexOf('.');
            string name = lastDot < 0 ? entry : entry.Substring(lastDot + 1);
            if (!string.Equals(name, method.Name, StringComparison.Ordinal))
            {
                continue;
            }

            if (lastDot < 0)
            {
                return true;
            }

            string qualifier = entry.Substring(0, lastDot);
            typeName ??= method.ContainingType?.Name ?? string.Empty;
            if (string.Equals(qualifier, typeName, StringComparison.Ordinal))
            {
                return true;
            }

            fullName ??= method.ContainingType?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty) ?? string.Empty;
            if (string.Equals(qualifier, fullName, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The values of <paramref name="config"/> that SG1001 cannot read, each with what the key accepts (SG1004 reports
    /// them). An unreadable value falls back to the default; an unreadable owner method is left out of the list.
    /// </summary>
    internal static IEnumerable<(string Key, string Value, string Problem)> Problems(AnalyzerConfigOptions config)
    {
        if (config.TryGetValue(ReportDiscardsKey, out var discards) && !IsBoolean(discards))
        {
            yield return (ReportDiscardsKey, discards, "expected true or false (the default, true, applies)");
        }

        if (config.TryGetValue(ReportInTestProjectsKey, out var tests) && !IsBoolean(tests))
        {
            yield return (ReportInTestProjectsKey, tests, "expected true or false (the default, true, applies)");
        }

        if (config.TryGetValue(OwnerMethodsKey, out var owners))
        {
            foreach (var part in owners.Split(Separators, StringSplitOptions.RemoveEmptyEntries))
            {
                string entry = part.Trim();
                if (entry.Length > 0 && OwnerEntry(entry) is null)
                {
                    yield return (OwnerMethodsKey, entry, "expected a method name, Type.Method or Namespace.Type.Method, separated by ',' (this entry is ignored)");
                }
            }
        }

        foreach (var problem in PlaceholderProblems(config))
        {
            yield return problem;
        }
    }

    private static readonly char[] Separators = { ',', ';' };

    private static bool IsBoolean(string value)
    {
        string trimmed = value.Trim();
        return string.Equals(trimmed, "true", StringComparison.OrdinalIgnoreCase) || string.Equals(trimmed, "false", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The owner method an entry names (a trailing "()" allowed), or null when it is not a dotted name.</summary>
    private static string? OwnerEntry(string entry)
    {
        if (entry.EndsWith("()", StringComparison.Ordinal))
        {
            entry = entry.Substring(0, entry.Length - 2);
        }

        if (entry.Length == 0)
        {
            return null;
        }

        foreach (var segment in entry.Split('.'))
        {
            if (segment.Length == 0 || !(char.IsLetter(segment[0]) || segment[0] == '_'))
            {
                return null;
            }

            foreach (char c in segment)
            {
                if (!char.IsLetterOrDigit(c) && c != '_')
                {
                    return null;
                }
            }
        }

        return entry;
    }

    private static FireAndForgetOptions Parse(string? discards, string? owners, string? receivers, string? arguments, string? tests)
    {
        bool reportDiscards = !string.Equals(discards?.Trim(), "false", StringComparison.OrdinalIgnoreCase);
        bool reportInTests = !string.Equals(tests?.Trim(), "false", StringComparison.OrdinalIgnoreCase);
        return new FireAndForgetOptions(reportDiscards, reportInTests, Entries(owners, 1, allowCall: true), Entries(receivers, 1, allowCall: false), Entries(arguments, 2, allowCall: false));
    }

    /// <summary>The well-formed dotted names of a list value, each with at least <paramref name="minimumSegments"/> segments (a trailing <c>()</c> only where <paramref name="allowCall"/>).</summary>
    private static string[] Entries(string? value, int minimumSegments, bool allowCall)
    {
        if (value is null)
        {
            return Array.Empty<string>();
        }

        var list = new List<string>();
        foreach (var part in value.Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            string trimmed = part.Trim();
            if ((allowCall || !trimmed.EndsWith("()", StringComparison.Ordinal))
                && OwnerEntry(trimmed) is { } entry && entry.Split('.').Length >= minimumSegments)
            {
                list.Add(entry);
            }
        }

        return list.ToArray();
    }
}
