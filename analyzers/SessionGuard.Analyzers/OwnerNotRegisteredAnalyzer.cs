using System;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// SG2002: an owner of per-session state (an <c>ISessionScoped</c> type, hand-written or generated for a type with
/// <c>[SessionScoped]</c> members) that no <c>SessionRegistry</c> will know, so no session is ever released from it:
/// <list type="bullet">
/// <item><c>new</c> of an owner whose reference is never passed on (to <c>SessionRegistry.Register</c>, to DI, to any
/// method), never returned and never stored in a field, property or collection;</item>
/// <item>an owner registered with dependency injection as scoped or transient (each scope or resolution makes an owner
/// no registry releases);</item>
/// <item>an owner registered as a singleton in a project where no code calls <c>AddSessionGuard</c> (the call that
/// makes the registry find every owner service).</item>
/// </list>
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
            var callsAddSessionGuard = new Lazy<bool>(() => CallsAddSessionGuard(start.Compilation, start.CancellationToken), LazyThreadSafetyMode.ExecutionAndPublication);
            start.RegisterOperationAction(ctx => AnalyzeRegistration(ctx, types, callsAddSessionGuard), OperationKind.Invocation);
        });
    }

    private const string NeverHandedOver = "is never registered with SessionRegistry.Register, returned, stored or handed to DI, so no session is ever released from it";

    private static void AnalyzeRegistration(OperationAnalysisContext context, KnownTypes types, Lazy<bool> callsAddSessionGuard)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.ContainingType is not { } container
            || container.ContainingNamespace?.ToDisplayString() is not ("Microsoft.Extensions.DependencyInjection" or "Microsoft.Extensions.DependencyInjection.Extensions")
            || container.Name is not ("ServiceCollectionServiceExtensions" or "ServiceCollectionDescriptorExtensions"))
        {
            return;
        }

        string? lifetime = method.Name switch
        {
            "AddSingleton" or "AddKeyedSingleton" or "TryAddSingleton" or "TryAddKeyedSingleton" => "singleton",
            "AddScoped" or "AddKeyedScoped" or "TryAddScoped" or "TryAddKeyedScoped" => "scoped",
            "AddTransient" or "AddKeyedTransient" or "TryAddTransient" or "TryAddKeyedTransient" => "transient",
            _ => null,
        };

        if (lifetime is null || RegisteredType(invocation) is not INamedTypeSymbol owner || !types.IsSessionOwner(owner))
        {
            return;
        }

        string? problem = lifetime != "singleton"
            ? $"is registered with dependency injection as {lifetime}: each {(lifetime == "scoped" ? "scope" : "resolution")} creates an owner no SessionRegistry releases; register it as a singleton"
            : callsAddSessionGuard.Value
                ? null
                : "is registered with dependency injection and no code of this project calls services.AddSessionGuard(), which makes the SessionRegistry find every owner service; call it (or Register the owner with the registry)";
        if (problem is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.OwnerNotRegistered, invocation.Syntax.GetLocation(), owner.Name, problem));
        }
    }

    /// <summary>The type a DI registration creates: the implementation type argument, the <c>typeof</c> argument, or the instance's type.</summary>
    private static ITypeSymbol? RegisteredType(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (method.TypeArguments.Length == 2)
        {
            return method.TypeArguments[1];
        }

        ITypeSymbol? typeOf = null;
        foreach (var argument in invocation.Arguments)
        {
            var value = argument.Value is IConversionOperation conversion ? conversion.Operand : argument.Value;
            if (value is ITypeOfOperation type)
            {
                typeOf = type.TypeOperand; // the last typeof: the implementation type when both are given
            }
            else if (argument.Parameter?.Name is "implementationInstance" or "instance")
            {
                return value.Type;
            }
            else if (argument.Parameter?.Name is "implementationFactory")
            {
                // A factory: the service type is all DI knows (the registry finds it when that type is an owner).
                return method.TypeArguments.Length == 1 ? method.TypeArguments[0] : null;
            }
        }

        return typeOf ?? (method.TypeArguments.Length == 1 ? method.TypeArguments[0] : null);
    }

    private static bool CallsAddSessionGuard(Compilation compilation, CancellationToken cancellationToken)
    {
        foreach (var tree in compilation.SyntaxTrees)
        {
            foreach (var token in tree.GetRoot(cancellationToken).DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText == "AddSessionGuard")
                {
                    return true;
                }
            }
        }

        return false;
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

        context.ReportDiagnostic(Diagnostic.Create(Descriptors.OwnerNotRegistered, creation.Syntax.GetLocation(), type.Name, NeverHandedOver));
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
