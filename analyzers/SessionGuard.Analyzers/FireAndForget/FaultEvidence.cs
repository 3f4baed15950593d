using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// Whether dropped work has a visible way to fault, which splits what SG1001 finds between two rules. A task nobody
/// observes is SG1001 (a warning) when its work shows how it fails; it is SG1005 (a suggestion) when the analyzer sees
/// no way for it to fault yet cannot prove it never does. Evidence of a fault, outside a catch-all <c>try</c>:
/// <list type="bullet">
/// <item>work the analyzer cannot read: a method of another assembly, an abstract or virtual member, an interface
/// member with an implementation it cannot read (I/O, a client library's call), reached by the dropped call itself or
/// by an <c>await</c> or a <c>return</c> of it; a method of an interface of this compilation is read in every class
/// that implements it;</item>
/// <item>user code: a delegate or event invoked, an <c>IObserver&lt;T&gt;</c> notified, a delegate value run by
/// <c>Task.Run</c> or <c>StartNew</c>;</item>
/// <item>a <c>throw</c> or a rethrow (not of cancellation), <c>Task.FromException</c>, <c>WaitAsync</c> with a
/// timeout, <c>SetResult</c>, <c>SetException</c> or <c>SetCanceled</c> of a <c>TaskCompletionSource</c> (they throw
/// on a completed one), an <c>OnlyOnFaulted</c> continuation that never reads the fault;</item>
/// <item>a synchronous call on a type of <c>System.IO</c> or <c>System.Net</c> (a stream's <c>Write</c> or
/// <c>Dispose</c>, a socket's <c>Send</c>).</item>
/// </list>
/// Methods of this compilation are read, awaited or called, up to <see cref="MaxDepth"/> calls deep (deeper awaited
/// work counts as unread); a delegate parameter is read as the lambda or method group the call passes, a
/// <c>readonly</c> delegate field as its initializer; the antecedent of a <c>ContinueWith</c> kept in a local nobody
/// else holds is read as the values assigned to it. Not evidence: synchronous calls of other assemblies (logging, collections, timers), awaits of
/// a task read from a field, local or property (a promise), <c>Task.Delay</c>, <c>Task.Yield</c>, <c>Task.WhenAny</c>
/// and completed tasks. Asked only for a task already found dropped, so it costs nothing on code without reports.
/// </summary>
internal sealed partial class FaultEvidence
{
    /// <summary>How many calls into this compilation are read before awaited work counts as unread.</summary>
    private const int MaxDepth = 4;

    private readonly KnownTypes _types;
    private readonly Dictionary<IMethodSymbol, bool> _methods = new(SymbolEqualityComparer.Default);

    /// <summary>
    /// The delegates the method being read was given for its delegate parameters (a lambda or a method group at the
    /// call), so that <c>action()</c> in a helper such as <c>Run.DelayedAsync(delay, () =&gt; Retry())</c> reads the lambda.
    /// </summary>
    private Dictionary<IParameterSymbol, IOperation> _bindings = new(SymbolEqualityComparer.Default);

    private FaultEvidence(KnownTypes types) => _types = types;

    /// <summary>True when the dropped <paramref name="work"/> has a visible way to fault.</summary>
    public static bool CanVisiblyFault(IOperation work, KnownTypes types) => new FaultEvidence(types).Work(work, 0);

    /// <summary>The rule a dropped task is reported under: SG1001 with evidence of a fault, SG1005 without.</summary>
    public static DiagnosticDescriptor RuleFor(IOperation work, KnownTypes types) =>
        CanVisiblyFault(work, types) ? Descriptors.FireAndForget : Descriptors.FireAndForgetNoVisibleFault;

    /// <summary>Evidence in the work that produces the task <paramref name="operation"/> evaluates to.</summary>
    private bool Work(IOperation? operation, int depth)
    {
        if (operation is null)
        {
            return false;
        }

        var value = SkipConfigureAwait(TaskOperations.Unwrap(operation));
        if (value is IInvocationOperation { TargetMethod.Name: "WaitAsync", Instance: { } waited } wait
            && TaskOperations.IsTaskType(wait.TargetMethod.OriginalDefinition.ContainingType, _types))
        {
            // WaitAsync(timeout) faults its own task with a TimeoutException; with a token alone it only cancels.
            return HasTimeout(wait) || Work(waited, depth);
        }

        switch (value)
        {
            case IAwaitOperation await:
                return Work(await.Operation, depth);
            case IConditionalAccessOperation access:
                return Work(access.WhenNotNull, depth);
            case IConditionalOperation conditional:
                return Work(conditional.WhenTrue, depth) || Work(conditional.WhenFalse, depth);
            case ICoalesceOperation coalesce:
                return Work(coalesce.Value, depth) || Work(coalesce.WhenNull, depth);
            case IObjectCreationOperation creation when _types.IsTask(creation.Type):
                return RunsEvidence(creation.Arguments, depth);
            case IInvocationOperation invocation:
                return Call(invocation, depth);
            default:
                // A task read from a field, a local, a parameter or a property: a promise, or work started elsewhere.
                return false;
        }
    }

    private IOperation SkipConfigureAwait(IOperation operation)
    {
        while (operation is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } instance } configure
               && TaskOperations.IsTaskType(configure.TargetMethod.OriginalDefinition.ContainingType, _types))
        {
            operation = TaskOperations.Unwrap(instance);
        }

        return operation;
    }

    private static bool HasTimeout(IInvocationOperation wait)
    {
        foreach (var parameter in wait.TargetMethod.Parameters)
        {
            if (parameter.Type is { Name: "TimeSpan" or "TimeProvider" })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Evidence in a call whose task is the work: awaited, returned or dropped.</summary>
    private bool Call(IInvocationOperation invocation, int depth)
    {
        var method = invocation.TargetMethod;
        if (method.MethodKind == MethodKind.DelegateInvoke)
        {
            return DelegateEvidence(invocation.Instance, depth);
        }

        if (SelfObservingWork.IsRunner(method, _types))
        {
            return RunsEvidence(invocation.Arguments, depth);
        }

        if (ContinuationObservers.IsContinueWith(invocation, _types))
        {
            return ContinuationEvidence(invocation, depth);
        }

        var original = (method.ReducedFrom ?? method).OriginalDefinition;
        if (KnownTypes.Same(original.ContainingType, _types.Task))
        {
            return original.Name switch
            {
                "Delay" or "Yield" or "FromResult" or "FromCanceled" or "WhenAny" => false,
                "WhenAll" => AnyArgumentWork(invocation, depth),
                _ => true,
            };
        }

        // TimeProvider's Delay (TimeProviderTaskExtensions): a delay, like Task.Delay.
        if (original.Name == "Delay" && original.ContainingType is { Name: "TimeProviderTaskExtensions" })
        {
            return false;
        }

        if (depth + 1 >= MaxDepth)
        {
            return true;
        }

        if (IsReadable(original))
        {
            return Method(original, depth + 1, BindingsFor(invocation));
        }

        return !(InterfaceImplementations(original) is { } implementations && NoneFaults(implementations, depth + 1));
    }

    /// <summary>
    /// A method of an interface of this compilation (not generic): every class or struct of this compilation that
    /// implements it, or null when one cannot be read (or there is none).
    /// </summary>
    private List<IMethodSymbol>? InterfaceImplementations(IMethodSymbol method)
    {
        if (method.ContainingType is not { TypeKind: TypeKind.Interface, IsGenericType: false } @interface
            || !KnownTypes.Same(@interface.ContainingAssembly, _types.SourceAssembly) || method.IsGenericMethod)
        {
            return null;
        }

        var implementations = new List<IMethodSymbol>();
        foreach (var type in _types.SourceTypes)
        {
            if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct) || !Implements(type, @interface))
            {
                continue;
            }

            if (type.FindImplementationForInterfaceMember(method) is not IMethodSymbol implementation
                || !IsReadable(implementation.OriginalDefinition, allowOverride: true))
            {
                return null;
            }

            implementations.Add(implementation.OriginalDefinition);
        }

        return implementations.Count == 0 ? null : implementations;
    }

    private static bool Implements(INamedTypeSymbol type, INamedTypeSymbol @interface)
    {
        foreach (var candidate in type.AllInterfaces)
        {
            if (KnownTypes.Same(candidate, @interface))
            {
                return true;
            }
        }

        return false;
    }

    private bool NoneFaults(List<IMethodSymbol> implementations, int depth)
    {
        foreach (var implementation in implementations)
        {
            if (Method(implementation, depth, null))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The lambdas and method groups a call passes for delegate parameters, and delegates bound further out.</summary>
    private Dictionary<IParameterSymbol, IOperation>? BindingsFor(IInvocationOperation invocation)
    {
        Dictionary<IParameterSymbol, IOperation>? bindings = null;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is not { Type.TypeKind: TypeKind.Delegate } parameter)
            {
                continue;
            }

            var value = TaskOperations.Unwrap(argument.Value);
            if (value is IParameterReferenceOperation outer && _bindings.TryGetValue(outer.Parameter.OriginalDefinition, out var bound))
            {
                value = bound;
            }

            if (value is IDelegateCreationOperation)
            {
                bindings ??= new Dictionary<IParameterSymbol, IOperation>(SymbolEqualityComparer.Default);
                bindings[parameter.OriginalDefinition] = value;
            }
        }

        return bindings;
    }

    /// <summary>
    /// A delegate value that is run: a lambda or a method of this compilation is read (a parameter bound to one at the
    /// call, a <c>readonly</c> field initialized with one); any other delegate value is code the analyzer cannot see.
    /// </summary>
    private bool DelegateEvidence(IOperation? value, int depth)
    {
        value = value is null ? null : TaskOperations.Unwrap(value);
        if (value is IParameterReferenceOperation parameter && _bindings.TryGetValue(parameter.Parameter.OriginalDefinition, out var bound))
        {
            value = bound;
        }
        else if (value is IFieldReferenceOperation { Field: { IsReadOnly: true } field }
                 && ContinuationObservers.FieldInitializer(field.OriginalDefinition, _types) is { } initializer)
        {
            value = TaskOperations.Unwrap(initializer);
        }

        if (value is IDelegateCreationOperation creation)
        {
            value = creation.Target;
        }

        return value switch
        {
            IAnonymousFunctionOperation lambda =>
                Body(lambda.Body, depth, returnsWork: !lambda.Symbol.IsAsync && _types.IsAwaitable(lambda.Symbol.ReturnType)),
            IMethodReferenceOperation reference =>
                !IsReadable(reference.Method.OriginalDefinition) || (depth + 1 < MaxDepth && Method(reference.Method.OriginalDefinition, depth + 1, null)),
            _ => true,
        };
    }

    /// <summary>
    /// A dropped <c>ContinueWith</c>: its continuation can fault, or it leaves a fault of its antecedent unread (the
    /// antecedent is work started here, and the continuation never reads its <c>Exception</c>).
    /// </summary>
    private bool ContinuationEvidence(IInvocationOperation invocation, int depth)
    {
        var lambda = ContinuationObservers.Lambda(invocation);
        bool observesAntecedent = lambda is not null
            ? ContinuationObservers.ReadsFault(lambda, _types)
            : ContinuationObservers.IsObservingMethod(invocation, _types);

        // Run only on a fault, and never reading it: the fault is dropped here, whoever else holds the antecedent.
        if (!observesAntecedent && ContinuationObservers.IsOnlyOnFaulted(invocation))
        {
            return true;
        }

        return (!observesAntecedent && AntecedentWork(invocation, depth)) || RunsEvidence(invocation.Arguments, depth);
    }

    /// <summary>
    /// The work a continuation follows: made in the call itself, or in a local nobody else holds (not returned, awaited,
    /// stored or handed on), whose assigned values are read.
    /// </summary>
    private bool AntecedentWork(IInvocationOperation continueWith, int depth)
    {
        var antecedent = continueWith.Instance is null ? null : TaskOperations.Unwrap(continueWith.Instance);
        if (antecedent is not ILocalReferenceOperation local)
        {
            return Work(antecedent, depth);
        }

        if (HeldTaskCleanups.IsHeldElsewhere(local, continueWith))
        {
            return false;
        }

        foreach (var operation in OperationWalk.Root(continueWith).Descendants())
        {
            var assigned = operation switch
            {
                IVariableDeclaratorOperation declarator when KnownTypes.Same(declarator.Symbol, local.Local) => declarator.Initializer?.Value,
                ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when KnownTypes.Same(target.Local, local.Local) => assignment.Value,
                _ => null,
            };

            if (assigned is not null && Work(assigned, depth))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>Task.WhenAll(a, b)</c>: evidence in any of the tasks it is given, when they are made here.</summary>
    private bool AnyArgumentWork(IInvocationOperation invocation, int depth)
    {
        foreach (var argument in invocation.Arguments)
        {
            var value = TaskOperations.Unwrap(argument.Value);
            if (value is IArrayCreationOperation { Initializer: { } initializer })
            {
                foreach (var element in initializer.ElementValues)
                {
                    if (Work(element, depth))
                    {
                        return true;
                    }
                }
            }
            else if (Work(value, depth))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The delegates a runner (<c>Task.Run</c>, <c>StartNew</c>, <c>new Task</c>) or a continuation runs: a lambda or a
    /// method of this compilation is read; any other delegate value is code the analyzer cannot see.
    /// </summary>
    private bool RunsEvidence(System.Collections.Immutable.ImmutableArray<IArgumentOperation> arguments, int depth)
    {
        foreach (var argument in arguments)
        {
            if (argument.Parameter?.Type.TypeKind != TypeKind.Delegate)
            {
                continue;
            }

            if (DelegateEvidence(argument.Value, depth))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Evidence in the body of a method or local function of this compilation, answered once a question.</summary>
    private bool Method(IMethodSymbol method, int depth, Dictionary<IParameterSymbol, IOperation>? bindings)
    {
        // With delegates bound, the answer belongs to this call alone.
        bool shared = bindings is null;
        if (shared && _methods.TryGetValue(method, out bool known))
        {
            return known;
        }

        // A call back into a method being read adds nothing new.
        if (shared)
        {
            _methods[method] = false;
        }

        var outer = _bindings;
        _bindings = bindings ?? new Dictionary<IParameterSymbol, IOperation>(SymbolEqualityComparer.Default);
        try
        {
            bool result = MethodBody(method) is { } body
                && Body(body, depth, returnsWork: !method.IsAsync && _types.IsAwaitable(method.ReturnType));
            if (shared)
            {
                _methods[method] = result;
            }

            return result;
        }
        finally
        {
            _bindings = outer;
        }
    }

    private IOperation? MethodBody(IMethodSymbol method)
    {
        var syntax = method.DeclaringSyntaxReferences[0].GetSyntax();
#pragma warning disable RS1030 // The callee may be in another tree; asked only for a reported task's callees.
        var operation = _types.Compilation.GetSemanticModel(syntax.SyntaxTree).GetOperation(syntax);
#pragma warning restore RS1030
        return operation switch
        {
            IMethodBodyOperation methodBody => (IOperation?)methodBody.BlockBody ?? methodBody.ExpressionBody,
            ILocalFunctionOperation localFunction => localFunction.Body,
            _ => null,
        };
    }

    /// <summary>A method of this compilation with one body that no override replaces.</summary>
    private bool IsReadable(IMethodSymbol method, bool allowOverride = false) =>
        KnownTypes.Same(method.ContainingAssembly, _types.SourceAssembly)
        && method.DeclaringSyntaxReferences.Length == 1
        && !(method.IsAbstract || method.IsExtern || (!allowOverride && (method.IsVirtual || method.IsOverride)))
        && method.MethodKind is MethodKind.Ordinary or MethodKind.LocalFunction or MethodKind.ReducedExtension or MethodKind.ExplicitInterfaceImplementation;
}
