using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// SG2002: <c>new</c> of an <c>ISessionScoped</c> type (hand-written, or generated for a type with
/// <c>[SessionScoped]</c> members) whose reference is never passed on (to <c>SessionRegistry.Register</c>, to DI,
/// to any method), never returned and never stored in a field, property or collection. Such an owner is never
/// released at the end of a session.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class OwnerNotRegisteredAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.OwnerNotRegistered);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var types = new KnownTypes(start.Compilation);
            if (types.ISessionScoped is null)
            {
                return;
            }

            start.RegisterOperationAction(ctx => Analyze(ctx, types), OperationKind.ObjectCreation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, KnownTypes types)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (creation.Type is not INamedTypeSymbol type || !types.IsSessionOwner(type))
        {
            return;
        }

        var consumer = OperationWalk.Consumer(creation, out var consumed);
        if (IsHandedOver(consumer, consumed))
        {
            return;
        }

        var local = OperationWalk.StoredInLocal(consumer, consumed);
        if (local is not null && LocalIsHandedOver(local, OperationWalk.Root(creation)))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(Descriptors.OwnerNotRegistered, creation.Syntax.GetLocation(), type.Name));
    }

    private static bool IsHandedOver(IOperation? consumer, IOperation consumed) => consumer switch
    {
        IArgumentOperation => true,
        IReturnOperation => true,
        IFieldInitializerOperation or IPropertyInitializerOperation => true,
        ISimpleAssignmentOperation assignment => assignment.Value == consumed && assignment.Target is not ILocalReferenceOperation and not IDiscardOperation,
        IArrayInitializerOperation or ITupleOperation or IAnonymousObjectCreationOperation => true,
        IMemberInitializerOperation or IObjectOrCollectionInitializerOperation => true,
        IArrayElementReferenceOperation => false,
        IInvocationOperation { Instance: { } instance } when instance == consumed => false,
        IVariableInitializerOperation => false,
        IExpressionStatementOperation => false,
        null => false,
        IPropertyReferenceOperation or IFieldReferenceOperation or IEventReferenceOperation => false,
        _ => true,
    };

    private static bool LocalIsHandedOver(ILocalSymbol local, IOperation root)
    {
        foreach (var operation in root.Descendants())
        {
            if (operation is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                var consumer = OperationWalk.Consumer(reference, out var consumed);
                if (consumer is ISimpleAssignmentOperation assignment && assignment.Target == consumed)
                {
                    continue;
                }

                if (IsHandedOver(consumer, consumed))
                {
                    return true;
                }

                // Copied into another local: follow it once more.
                if (OperationWalk.StoredInLocal(consumer, consumed) is { } copy && !SymbolEqualityComparer.Default.Equals(copy, local)
                    && LocalIsHandedOverShallow(copy, root))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool LocalIsHandedOverShallow(ILocalSymbol local, IOperation root)
    {
        foreach (var operation in root.Descendants())
        {
            if (operation is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                var consumer = OperationWalk.Consumer(reference, out var consumed);
                if (!(consumer is ISimpleAssignmentOperation assignment && assignment.Target == consumed) && IsHandedOver(consumer, consumed))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
