using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SessionGuard.Analyzers;

/// <summary>
/// SG1002: an <c>async void</c> method (or local function) that is not an event handler, that is, whose
/// parameters are not <c>(object sender, EventArgs-derived e)</c>. Overrides and interface implementations are
/// not reported: their signature is imposed by the base, and the base is where a Task-returning version belongs.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AsyncVoidMethodAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.AsyncVoidMethod);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var types = new KnownTypes(start.Compilation);
            start.RegisterSymbolAction(ctx => AnalyzeMethod(ctx, types), SymbolKind.Method);
            start.RegisterOperationAction(ctx => AnalyzeLocalFunction(ctx, types), OperationKind.LocalFunction);
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, KnownTypes types)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!method.IsAsync || !method.ReturnsVoid || method.MethodKind != MethodKind.Ordinary
            || method.IsOverride || !method.ExplicitInterfaceImplementations.IsEmpty || ImplementsInterfaceMember(method)
            || types.IsEventHandlerShape(method))
        {
            return;
        }

        foreach (var location in method.Locations)
        {
            if (location.IsInSource)
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.AsyncVoidMethod, location, method.Name));
            }
        }
    }

    private static void AnalyzeLocalFunction(OperationAnalysisContext context, KnownTypes types)
    {
        var method = ((Microsoft.CodeAnalysis.Operations.ILocalFunctionOperation)context.Operation).Symbol;
        if (method.IsAsync && method.ReturnsVoid && !types.IsEventHandlerShape(method) && !method.Locations.IsEmpty)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.AsyncVoidMethod, method.Locations[0], method.Name));
        }
    }

    private static bool ImplementsInterfaceMember(IMethodSymbol method)
    {
        var type = method.ContainingType;
        if (type is null || method.DeclaredAccessibility != Accessibility.Public)
        {
            return false;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (member is IMethodSymbol && SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
