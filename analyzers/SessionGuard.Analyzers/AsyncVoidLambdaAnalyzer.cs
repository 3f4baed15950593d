using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// SG1003: an async lambda or anonymous method converted to a void-returning delegate (<c>Action</c>,
/// <c>List&lt;T&gt;.ForEach</c>, <c>Parallel.ForEach</c> bodies, timer callbacks...). Delegates shaped like an event
/// handler, <c>(object sender, EventArgs-derived e)</c>, are skipped as in SG1002. Async lambdas cannot be
/// converted to expression trees, so only delegate conversions are seen.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AsyncVoidLambdaAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.AsyncVoidLambda);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var types = new KnownTypes(start.Compilation);
            start.RegisterOperationAction(ctx => Analyze(ctx, types), OperationKind.AnonymousFunction);
        });
    }

    private static void Analyze(OperationAnalysisContext context, KnownTypes types)
    {
        var lambda = (IAnonymousFunctionOperation)context.Operation;
        var symbol = lambda.Symbol;
        if (!symbol.IsAsync || !symbol.ReturnsVoid)
        {
            return;
        }

        var delegateType = (lambda.Parent as IDelegateCreationOperation)?.Type as INamedTypeSymbol;
        if (delegateType?.DelegateInvokeMethod is { } invoke && types.IsEventHandlerShape(invoke))
        {
            return;
        }

        if (delegateType is null && types.IsEventHandlerShape(symbol))
        {
            return;
        }

        var location = lambda.Syntax switch
        {
            AnonymousFunctionExpressionSyntax { AsyncKeyword.RawKind: not 0 } function => function.AsyncKeyword.GetLocation(),
            _ => lambda.Syntax.GetLocation(),
        };
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.AsyncVoidLambda, location,
            delegateType?.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) ?? "void delegate"));
    }
}
