using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// SG2003: in a method with a <c>Session</c> or <c>SessionId</c> in scope (a parameter of it or of an enclosing
/// lambda, or a local), a subscription to a long-lived object (static, or reached through <c>this</c>) that is
/// never undone: an event <c>+=</c> without a <c>-=</c> of the same handler anywhere in the type, or the
/// <c>IDisposable</c> of a <c>Subscribe(...)</c>/<c>Register(...)</c> call that is dropped or kept in a local
/// nobody disposes or hands on (to <c>session.Own</c>, a field, a <c>using</c>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SubscriptionAccumulatesAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.SubscriptionAccumulates);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var types = new KnownTypes(start.Compilation);
            if (types.SessionId is null && types.Session is null)
            {
                return;
            }

            start.RegisterOperationAction(ctx => AnalyzeInvocation(ctx, types), OperationKind.Invocation);
            start.RegisterSymbolStartAction(symbolStart => OnType(symbolStart, types), SymbolKind.NamedType);
        });
    }

    private static void OnType(SymbolStartAnalysisContext context, KnownTypes types)
    {
        var gate = new object();
        List<(IEventAssignmentOperation Operation, string? Key)>? adds = null;
        HashSet<string>? removes = null;
        context.RegisterOperationAction(
            ctx =>
            {
                var assignment = (IEventAssignmentOperation)ctx.Operation;
                if (assignment.EventReference is not IEventReferenceOperation eventReference)
                {
                    return;
                }

                string? key = HandlerKey(eventReference.Event, assignment.HandlerValue);
                if (!assignment.Adds)
                {
                    if (key is not null)
                    {
                        lock (gate)
                        {
                            (removes ??= new HashSet<string>()).Add(key);
                        }
                    }

                    return;
                }

                if (!IsLongLived(eventReference.Instance, types) || !SessionInScope(assignment, ctx.ContainingSymbol, types))
                {
                    return;
                }

                lock (gate)
                {
                    (adds ??= new List<(IEventAssignmentOperation, string?)>()).Add((assignment, key));
                }
            },
            OperationKind.EventAssignment);

        context.RegisterSymbolEndAction(ctx =>
        {
            lock (gate)
            {
                if (adds is null)
                {
                    return;
                }

                foreach (var (operation, key) in adds)
                {
                    if (key is not null && removes is not null && removes.Contains(key))
                    {
                        continue;
                    }

                    var eventSymbol = ((IEventReferenceOperation)operation.EventReference).Event;
                    ctx.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.SubscriptionAccumulates, operation.Syntax.GetLocation(),
                        $"The subscription to '{eventSymbol.ContainingType?.Name}.{eventSymbol.Name}'"));
                }
            }
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, KnownTypes types)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        string name = method.Name;
        if (!(name.StartsWith("Subscribe", System.StringComparison.Ordinal) || name is "Register" or "RegisterCallback" or "UnsafeRegister")
            || method.ReturnsVoid || !IsDisposable(method.ReturnType, types))
        {
            return;
        }

        IOperation? receiver = invocation.Instance
            ?? (method.IsExtensionMethod && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
        if (!IsLongLived(receiver, types) || !SessionInScope(invocation, context.ContainingSymbol, types))
        {
            return;
        }

        var consumer = OperationWalk.Consumer(invocation, out var consumed);
        if (IsKept(consumer, consumed))
        {
            return;
        }

        var local = OperationWalk.StoredInLocal(consumer, consumed);
        if (local is not null && (InUsing(consumer) || LocalIsKept(local, OperationWalk.Root(invocation))))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.SubscriptionAccumulates, invocation.Syntax.GetLocation(), $"The registration returned by '{name}'"));
    }

    private static bool IsKept(IOperation? consumer, IOperation consumed) => consumer switch
    {
        IArgumentOperation { Parameter.Type.SpecialType: SpecialType.System_Object } => false, // logged, not owned
        IArgumentOperation or IReturnOperation or IFieldInitializerOperation or IPropertyInitializerOperation => true,
        IUsingOperation => true,
        ISimpleAssignmentOperation assignment => assignment.Value == consumed && assignment.Target is not ILocalReferenceOperation and not IDiscardOperation,
        IArrayInitializerOperation or ITupleOperation or IObjectOrCollectionInitializerOperation => true,
        _ => false,
    };

    private static bool InUsing(IOperation? consumer)
    {
        for (var operation = consumer; operation is not null; operation = operation.Parent)
        {
            if (operation is IUsingDeclarationOperation or IUsingOperation)
            {
                return true;
            }

            if (operation is IBlockOperation)
            {
                return false;
            }
        }

        return false;
    }

    private static bool LocalIsKept(ILocalSymbol local, IOperation root)
    {
        foreach (var operation in root.Descendants())
        {
            if (operation is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }

            var consumer = OperationWalk.Consumer(reference, out var consumed);
            if (consumer is IInvocationOperation { TargetMethod.Name: "Dispose" or "DisposeAsync" or "Unregister" } call && call.Instance == consumed)
            {
                return true;
            }

            if (consumer is IConditionalAccessOperation)
            {
                return true; // registration?.Dispose()
            }

            if (!(consumer is ISimpleAssignmentOperation assignment && assignment.Target == consumed) && IsKept(consumer, consumed))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsDisposable(ITypeSymbol type, KnownTypes types)
    {
        if (KnownTypes.Same(type, types.IDisposable))
        {
            return true;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            if (KnownTypes.Same(@interface, types.IDisposable))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Static, <c>this</c>, or a field/property chain rooted at one of them, not passing through a Session.</summary>
    private static bool IsLongLived(IOperation? receiver, KnownTypes types)
    {
        while (true)
        {
            if (receiver is null)
            {
                return true;
            }

            receiver = TaskOperations.Unwrap(receiver);
            if (KnownTypes.Same(receiver.Type, types.Session))
            {
                return false;
            }

            switch (receiver)
            {
                case IInstanceReferenceOperation:
                    return true;
                case IFieldReferenceOperation field:
                    if (field.Field.IsStatic)
                    {
                        return true;
                    }

                    receiver = field.Instance;
                    if (receiver is null)
                    {
                        return true;
                    }

                    continue;
                case IPropertyReferenceOperation property:
                    if (property.Property.IsStatic)
                    {
                        return true;
                    }

                    receiver = property.Instance;
                    if (receiver is null)
                    {
                        return true;
                    }

                    continue;
                default:
                    return false;
            }
        }
    }

    private static bool SessionInScope(IOperation operation, ISymbol containingSymbol, KnownTypes types)
    {
        if (containingSymbol is IMethodSymbol method && HasSessionParameter(method, types))
        {
            return true;
        }

        for (var ancestor = operation.Parent; ancestor is not null; ancestor = ancestor.Parent)
        {
            if ((ancestor is IAnonymousFunctionOperation lambda && HasSessionParameter(lambda.Symbol, types))
                || (ancestor is ILocalFunctionOperation localFunction && HasSessionParameter(localFunction.Symbol, types)))
            {
                return true;
            }
        }

        foreach (var descendant in OperationWalk.Root(operation).Descendants())
        {
            if (descendant is IVariableDeclaratorOperation declarator && IsSessionType(declarator.Symbol.Type, types))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasSessionParameter(IMethodSymbol method, KnownTypes types)
    {
        foreach (var parameter in method.Parameters)
        {
            if (IsSessionType(parameter.Type, types))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsSessionType(ITypeSymbol type, KnownTypes types) =>
        KnownTypes.Same(type, types.Session) || KnownTypes.Same(type, types.SessionId);

    private static string? HandlerKey(IEventSymbol @event, IOperation handler)
    {
        handler = TaskOperations.Unwrap(handler);
        if (handler is IDelegateCreationOperation creation)
        {
            handler = creation.Target;
        }

        ISymbol? symbol = handler switch
        {
            IMethodReferenceOperation method => method.Method.OriginalDefinition,
            ILocalReferenceOperation local => local.Local,
            IFieldReferenceOperation field => field.Field,
            IParameterReferenceOperation parameter => parameter.Parameter,
            IPropertyReferenceOperation property => property.Property,
            _ => null,
        };
        return symbol is null ? null : @event.OriginalDefinition.ToDisplayString() + "|" + symbol.Kind + "|" + symbol.ToDisplayString();
    }
}
