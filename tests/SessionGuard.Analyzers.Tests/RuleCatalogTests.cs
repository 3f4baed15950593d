using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using SessionGuard.Generators;

namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// Every SessionGuard rule, of the generator's assembly (SG0xxx) and the analyzers' (SG1xxx, SG2xxx), against what
/// describes it: the README's diagnostics table, its page in docs/rules (one template for all), its release-tracking
/// entry and its help link.
/// </summary>
public class RuleCatalogTests
{
    private static readonly Assembly[] RuleAssemblies = { typeof(FireAndForgetAnalyzer).Assembly, typeof(SessionScopedUsageAnalyzer).Assembly };

    /// <summary>Every rule with the analyzer that reports it, by ID.</summary>
    private static readonly Lazy<IReadOnlyList<(DiagnosticDescriptor Rule, DiagnosticAnalyzer Analyzer)>> Rules = new(() =>
        RuleAssemblies
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .SelectMany(a => a.SupportedDiagnostics.Select(d => (Rule: d, Analyzer: a)))
            .OrderBy(r => r.Rule.Id, StringComparer.Ordinal)
            .ToList());

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var (rule, _) in Rules.Value)
        {
            data.Add(rule.Id);
        }

        return data;
    }

    [Fact]
    public void Both_assemblies_report_rules_and_no_id_is_reported_twice()
    {
        var ids = Rules.Value.Select(r => r.Rule.Id).ToList();
        Assert.Equal(ids.Distinct(StringComparer.Ordinal).Count(), ids.Count);
        Assert.Contains("SG0001", ids);
        Assert.Contains("SG1001", ids);
    }

    [Fact]
    public void The_README_diagnostics_table_lists_every_rule_with_its_page_and_severity()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        int start = readme.IndexOf("\n## Diagnostics\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Diagnostics' section");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = end < 0 ? readme[start..] : readme[start..end];
        var rows = Regex.Matches(section, @"^\| \[(SG\d{4})\]\(docs/rules/(SG\d{4})\.md\) \| (\w+) \|", RegexOptions.Multiline)
            .Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value} {m.Groups[3].Value}")
            .ToList();
        var expected = Rules.Value.Select(r => $"{r.Rule.Id} {r.Rule.Id} {r.Rule.DefaultSeverity.ToString().ToLowerInvariant()}").ToList();
        Assert.Equal(expected, rows);
    }

    [Fact]
    public void Every_page_in_docs_rules_is_a_rule()
    {
        var pages = Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "docs", "rules"), "*.md")
            .Select(Path.GetFileNameWithoutExtension)
            .OrderBy(p => p, StringComparer.Ordinal);
        Assert.Equal(Rules.Value.Select(r => r.Rule.Id), pages);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_page_follows_the_rule_page_template(string id)
    {
        var rule = Rules.Value.Single(r => r.Rule.Id == id).Rule;
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "rules", id + ".md"));

        Assert.Equal($"# {id}: {rule.Title}", lines[0]);
        Assert.Equal(new[] { "", "| | |", "|---|---|", $"| Category | {rule.Category} |", $"| Severity | {rule.DefaultSeverity} |" }, lines[1..6]);
        var sections = lines.Where(l => l.StartsWith("## ", StringComparison.Ordinal)).ToList();
        string[] required = { "## Why", "## Bad", "## Good", "## How to suppress" };
        Assert.Equal(required, sections.Where(required.Contains));
        Assert.Equal("## How to suppress", sections[^1]);
        Assert.Contains(lines, l => l.Contains($"dotnet_diagnostic.{id}.severity", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_release_tracking_entry_names_the_analyzer_and_the_page(string id)
    {
        var (rule, analyzer) = Rules.Value.Single(r => r.Rule.Id == id);
        string project = Path.GetFileNameWithoutExtension(analyzer.GetType().Assembly.Location);
        string folder = new[] { "analyzers", "generators" }.Select(d => Path.Combine(RepositoryRoot(), d, project)).Single(d => File.Exists(Path.Combine(d, project + ".csproj")));
        string tracked = File.ReadAllText(Path.Combine(folder, "AnalyzerReleases.Shipped.md")) + File.ReadAllText(Path.Combine(folder, "AnalyzerReleases.Unshipped.md"));
        Assert.Contains($"\n{id} | {rule.Category} | {rule.DefaultSeverity} | {analyzer.GetType().Name}, [Documentation](../../docs/rules/{id}.md)\n", tracked.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_help_link_is_the_page_in_the_packaged_repository(string id)
    {
        var rule = Rules.Value.Single(r => r.Rule.Id == id).Rule;
        string repository = XDocument.Load(Path.Combine(RepositoryRoot(), "src", "SessionGuard", "SessionGuard.csproj"))
            .Descendants("RepositoryUrl").Single().Value;
        Assert.Equal($"{repository}/blob/main/docs/rules/{id}.md", rule.HelpLinkUri, StringComparer.OrdinalIgnoreCase);
        Assert.True(rule.IsEnabledByDefault);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Framework.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Framework.sln not found above " + AppContext.BaseDirectory);
    }
}
