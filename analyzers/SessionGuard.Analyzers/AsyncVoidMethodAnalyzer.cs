using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SessionGuard.Analyzers;

/// <summary>
/// SG1002: an <c>async void</c> method (or local function) that is not an event handler, that is, whose
/// parameters are not <c>(object sender, EventArgs-derived e)</c>. Overrides and interface implementations are
/// not reported: their signature is imposed by the base, and the base is where a Task-returning version belongs.
/// Nor is a method that observes its own faults (<see cref="ObservesOwnFaults"/>: a <c>try { ... } catch (Exception)
/// { log; }</c> without a rethrow, possibly in a loop that can end, with only provably fault-free work outside it):
/// nothing it throws reaches the synchronization context, as with SG1001's detached work that observes itself.
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
            || types.IsEventHandlerShape(method) || ObservesOwnFaults(method, types))
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
        if (method.IsAsync && method.ReturnsVoid && !types.IsEventHandlerShape(method) && !method.Locations.IsEmpty
            && !ObservesOwnFaults(method, types))
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.AsyncVoidMethod, method.Locations[0], method.Name));
        }
    }

    /// <summary>
    /// A method written to observe its own faults (it has a catch-all that does not rethrow) and proven to
    /// (<see cref="KnownTypes.IsGuardedMethod"/>). A method with no catch-all at all is reported even when its work
    /// cannot fail today: it was not written as fire-and-forget.
    /// </summary>
    private static bool ObservesOwnFaults(IMethodSymbol method, KnownTypes types) =>
        GuardedBodies.HasGuardedTry(method) && types.IsGuardedMethod(method.OriginalDefinition);

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
