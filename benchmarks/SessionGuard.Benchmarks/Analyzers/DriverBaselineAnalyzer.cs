using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SessionGuard.Benchmarks.Analyzers;

// A measuring stick, never shipped: the analyzer-authoring rules (attribute, release tracking, extended rules)
// do not apply to it.
#pragma warning disable RS1001, RS1036, RS2008

/// <summary>
/// Registers one operation action that does nothing: what the analyzer driver and the IOperation trees cost any
/// operation-based analyzer, before it does any work of its own.
/// </summary>
public sealed class DriverBaselineAnalyzer : DiagnosticAnalyzer
{
    private static readonly DiagnosticDescriptor Never = new("BENCH0001", "never reported", "never reported", "Benchmark", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Never);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(static _ => { }, OperationKind.Invocation);
    }
}
