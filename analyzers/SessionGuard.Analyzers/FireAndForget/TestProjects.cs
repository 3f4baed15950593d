using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SessionGuard.Analyzers;

/// <summary>
/// Test projects, for <c>sessionguard.SG1001.report_in_test_projects</c>: a compilation that references a test
/// framework (xUnit, NUnit, MSTest, TUnit), or whose build sets <c>IsTestProject</c> to true
/// (<c>build_property.IsTestProject</c>, visible when the project lists it as a <c>CompilerVisibleProperty</c>).
/// SG1001 reports in test projects by default: a task a test drops loses its assertion failures too.
/// </summary>
internal static class TestProjects
{
    private static readonly string[] Frameworks =
    {
        "xunit.core", "xunit.v3.core", "nunit.framework", "Microsoft.VisualStudio.TestPlatform.TestFramework", "MSTest.TestFramework", "TUnit.Core",
    };

    public static bool IsTestProject(Compilation compilation, AnalyzerOptions options)
    {
        if (options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue("build_property.IsTestProject", out var value)
            && string.Equals(value.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var assembly in compilation.ReferencedAssemblyNames)
        {
            foreach (var framework in Frameworks)
            {
                if (string.Equals(assembly.Name, framework, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>True when SG1001 stays silent in <paramref name="tree"/>: a test project with the option set to false.</summary>
    public static bool Silenced(bool isTestProject, AnalyzerOptions options, SyntaxTree tree) =>
        isTestProject && !FireAndForgetOptions.Get(options, tree).ReportInTestProjects;
}
