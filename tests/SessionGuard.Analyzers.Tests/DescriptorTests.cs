using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SessionGuard.Analyzers.Tests;

public class DescriptorTests
{
    private static readonly DiagnosticAnalyzer[] Analyzers =
    {
        new FireAndForgetAnalyzer(),
        new AsyncVoidMethodAnalyzer(),
        new AsyncVoidLambdaAnalyzer(),
        new InvalidOptionAnalyzer(),
        new PerSessionCollectionAnalyzer(),
        new OwnerNotRegisteredAnalyzer(),
        new SubscriptionAccumulatesAnalyzer(),
    };

    public static TheoryData<string> Ids() => new() { "SG1001", "SG1002", "SG1003", "SG1004", "SG1005", "SG2001", "SG2002", "SG2003" };

    /// <summary>SG1005 is SG1001's finding without evidence of a fault: a suggestion, not a warning.</summary>
    private static DiagnosticSeverity SeverityOf(string id) => id == "SG1005" ? DiagnosticSeverity.Info : DiagnosticSeverity.Warning;

    [Fact]
    public void One_rule_per_analyzer_but_SG1001_s_and_the_ids_are_the_contract()
    {
        // FireAndForgetAnalyzer reports each dropped task once: SG1001 when its work visibly can fault, SG1005 otherwise.
        var ids = Analyzers.Select(a => string.Join("+", a.SupportedDiagnostics.Select(d => d.Id))).ToList();
        Assert.Equal(new[] { "SG1001+SG1005", "SG1002", "SG1003", "SG1004", "SG2001", "SG2002", "SG2003" }, ids);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Each_rule_has_a_help_link_a_page_and_a_release_entry(string id)
    {
        var descriptor = Analyzers.SelectMany(a => a.SupportedDiagnostics).Single(d => d.Id == id);
        Assert.EndsWith("/docs/rules/" + id + ".md", descriptor.HelpLinkUri, StringComparison.Ordinal);
        Assert.Equal(SeverityOf(id), descriptor.DefaultSeverity);
        Assert.True(descriptor.IsEnabledByDefault);

        string root = RepositoryRoot();
        string repository = XDocument.Load(Path.Combine(root, "src", "SessionGuard", "SessionGuard.csproj")).Descendants("RepositoryUrl").Single().Value;
        Assert.Equal(repository + "/blob/main/docs/rules/" + id + ".md", descriptor.HelpLinkUri);
        string page = File.ReadAllText(Path.Combine(root, "docs", "rules", id + ".md"));
        foreach (var section in new[] { "## Why", "## Bad", "## Good", "## How to suppress", "dotnet_diagnostic." + id + ".severity" })
        {
            Assert.Contains(section, page, StringComparison.Ordinal);
        }

        string unshipped = File.ReadAllText(Path.Combine(root, "analyzers", "SessionGuard.Analyzers", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains(id + " | Reliability | " + SeverityOf(id) + " |", unshipped, StringComparison.Ordinal);
    }

    [Fact]
    public void The_SG1001_page_documents_both_options()
    {
        string page = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "rules", "SG1001.md"));
        Assert.Contains("sessionguard.SG1001.report_discards", page, StringComparison.Ordinal);
        Assert.Contains("sessionguard.SG1001.owner_methods", page, StringComparison.Ordinal);
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
