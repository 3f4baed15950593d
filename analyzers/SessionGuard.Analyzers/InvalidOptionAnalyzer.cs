using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SessionGuard.Analyzers;

/// <summary>
/// SG1004: an <c>.editorconfig</c> value of a SessionGuard option that cannot be read (SG1001's
/// <c>report_discards</c>, <c>owner_methods</c>, <c>owned_receiver_types</c>, <c>fire_and_forget_arguments</c> and
/// <c>report_in_test_projects</c>). Reported once per key and value for the compilation, without a source location.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class InvalidOptionAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.InvalidOption);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationAction(static compilation =>
        {
            var provider = compilation.Options.AnalyzerConfigOptionsProvider;
            var problems = new Dictionary<(string Key, string Value), string>();
            Collect(provider.GlobalOptions, problems);
            foreach (var tree in compilation.Compilation.SyntaxTrees)
            {
                Collect(provider.GetOptions(tree), problems);
            }

            foreach (var problem in problems.OrderBy(p => p.Key.Key, StringComparer.Ordinal).ThenBy(p => p.Key.Value, StringComparer.Ordinal))
            {
                compilation.ReportDiagnostic(Diagnostic.Create(Descriptors.InvalidOption, Location.None, problem.Key.Key, problem.Key.Value, problem.Value));
            }
        });
    }

    private static void Collect(AnalyzerConfigOptions config, Dictionary<(string Key, string Value), string> problems)
    {
        foreach (var (key, value, problem) in FireAndForgetOptions.Problems(config))
        {
            if (!problems.ContainsKey((key, value)))
            {
                problems.Add((key, value), problem);
            }
        }
    }
}
