using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>Helpers that decide whether an expression produces a task that somebody must observe.</summary>
internal static class TaskOperations
{
    /// <summary>Strips conversions and parentheses.</summary>
    public static IOperation Unwrap(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion when !conversion.Conversion.IsUserDefined:
                    operation = conversion.Operand;
                    continue;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    continue;
                default:
                    return operation;
            }
        }
    }

    /// <summary>
    /// The variable a reference names when the task stored in it belongs to the running body alone: a local, or a
    /// by-value parameter (a <c>ref</c> or <c>out</c> parameter hands the task to the caller). Null otherwise.
    /// </summary>
    public static ISymbol? Variable(IOperation operation) => operation switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation { Parameter.RefKind: RefKind.None } parameter => parameter.Parameter,
        _ => null,
    };

    /// <summary>
    /// True for the target of <c>_ = ...</c>: a discard, or a by-value parameter named <c>_</c> that cannot hold a task
    /// for anyone (the lone parameter of <c>_ =&gt; _ = SendAsync()</c> is a parameter, not a discard, in C#).
    /// </summary>
    public static bool IsDiscard(IOperation target, KnownTypes types) => target switch
    {
        IDiscardOperation => true,
        IParameterReferenceOperation { Parameter: { Name: "_", RefKind: RefKind.None } parameter } => !types.IsAwaitable(parameter.Type),
        _ => false,
    };

    /// <summary>
    /// True when <paramref name="operation"/> creates or starts a task that nobody else owns yet: a call, a
    /// <c>new</c>, or an <c>await</c> whose result is itself a started task (<c>Task.Factory.StartNew(async ...)</c>).
    /// False for reads of existing tasks (fields, properties, locals, parameters), completed tasks
    /// (<c>Task.CompletedTask</c>, <c>Task.FromResult</c>), values handed back by containers
    /// (<c>GetOrAdd</c>, <c>Interlocked.Exchange</c>) and calls of owner methods (<c>Session.Run</c>).
    /// </summary>
    public static bool IsFreshTask(IOperation operation, KnownTypes types, FireAndForgetOptions options)
    {
        operation = Unwrap(operation);
        switch (operation)
        {
            case IInvocationOperation invocation:
                return types.IsAwaitable(invocation.Type) && IsFreshInvocation(invocation, types, options);
            case IObjectCreationOperation creation:
                return types.IsAwaitable(creation.Type);
            case IAwaitOperation await:
                return types.IsAwaitable(await.Type) && IsInnerTaskProducer(Unwrap(await.Operation), types, options);
            case IConditionalAccessOperation conditionalAccess:
                return IsFreshTask(conditionalAccess.WhenNotNull, types, options);
            case IConditionalOperation conditional:
                return (conditional.WhenTrue is { } whenTrue && IsFreshTask(whenTrue, types, options))
                    || (conditional.WhenFalse is { } whenFalse && IsFreshTask(whenFalse, types, options));
            case ICoalesceOperation coalesce:
                return IsFreshTask(coalesce.Value, types, options) || IsFreshTask(coalesce.WhenNull, types, options);
            case ISwitchExpressionOperation switchExpression:
                foreach (var arm in switchExpression.Arms)
                {
                    if (IsFreshTask(arm.Value, types, options))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// True for <c>tasks.ToList()</c>, <c>ToArray()</c> and the like over a sequence of awaitables: materializing a
    /// lazy <c>Select(x => SendAsync(x))</c> starts every task.
    /// </summary>
    public static bool IsMaterializedTasks(IOperation operation, KnownTypes types)
    {
        operation = Unwrap(operation);
        if (operation is not IInvocationOperation invocation
            || invocation.TargetMethod.Name is not ("ToList" or "ToArray" or "ToHashSet" or "ToImmutableArray" or "ToImmutableList"))
        {
            return false;
        }

        return types.IsAwaitable(ElementType(invocation.Type));
    }

    /// <summary>The element type of an array or of a generic collection type with one type argument.</summary>
    public static ITypeSymbol? ElementType(ITypeSymbol? type) => type switch
    {
        IArrayTypeSymbol array => array.ElementType,
        INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named => named.TypeArguments[0],
        _ => null,
    };

    /// <summary>A readable name for the task-producing expression, used in messages.</summary>
    public static string Describe(IOperation operation)
    {
        operation = Unwrap(operation);
        switch (operation)
        {
            case IInvocationOperation invocation:
                if (invocation.TargetMethod.MethodKind == MethodKind.DelegateInvoke && invocation.Instance is { } target)
                {
                    return Shorten(target.Syntax.ToString());
                }

                return invocation.TargetMethod.Name;
            case IObjectCreationOperation creation:
                return "new " + (creation.Type?.Name ?? "?");
            case IAwaitOperation await:
                return "await " + Describe(await.Operation);
            case IConditionalAccessOperation conditionalAccess:
                return Describe(conditionalAccess.WhenNotNull);
            default:
                return Shorten(operation.Syntax.ToString());
        }
    }

    /// <summary>
    /// True when the method is an owner that takes the task over: Session.Run/Own, TaskExtensions.Forget, an extension
    /// named Forget, FireAndForget, SafeFireAndForget or ObserveErrors on a task, configured ones.
    /// </summary>
    public static bool IsOwnerMethod(IMethodSymbol method, KnownTypes types, FireAndForgetOptions options)
    {
        var original = (method.ReducedFrom ?? method).OriginalDefinition;
        var containing = original.ContainingType;
        if (containing is not null)
        {
            if (KnownTypes.Same(containing, types.Session) && (original.Name == "Run" || original.Name == "Own"))
            {
                return true;
            }

            if (KnownTypes.Same(containing, types.TaskExtensions) && original.Name == "Forget")
            {
                return true;
            }
        }

        if (HandBackMethods.IsConventionalObserver(original, types))
        {
            return true;
        }

        return options.IsOwnerMethod(original);
    }

    private static bool IsFreshInvocation(IInvocationOperation invocation, KnownTypes types, FireAndForgetOptions options)
    {
        var method = invocation.TargetMethod;
        var original = method.OriginalDefinition;
        var containing = original.ContainingType;

        // Already-completed tasks carry nothing to observe.
        if ((KnownTypes.Same(containing, types.Task) || KnownTypes.Same(containing, types.ValueTask))
            && original.Name is "FromResult" or "FromException" or "FromCanceled")
        {
            return false;
        }

        if (IsOwnerMethod(method, types, options) || options.IsPlaceholderCall(invocation))
        {
            return false;
        }

        // session.EndAsync(), registry.EndAsync(id): the registry runs the teardown, keeps it until it completes (its
        // DisposeAsync waits for it) and completes it with a report, never a fault.
        if (types.IsSessionTeardown(original))
        {
            return false;
        }

        // task.ObserveErrors() of this project hands back the task it was given: that one was handed over already.
        if (types.HandsBackTaskParameter((method.ReducedFrom ?? method).OriginalDefinition))
        {
            return false;
        }

        // _ = x.StartLoopAsync(): the method keeps the task it returns in a field that its type joins at teardown.
        if (types.KeepsReturnedTask((method.ReducedFrom ?? method).OriginalDefinition))
        {
            return false;
        }

        // socket.Send(bytes): the callee (or every implementation in this project of the interface it is called through)
        // attached an observer to the task it returns.
        if (types.ObservesReturnedTask((method.ReducedFrom ?? method).OriginalDefinition))
        {
            return false;
        }

        // Task.Run(continuation) in an awaiter's OnCompleted: runs the continuation of an async method, which never throws.
        if (IsAwaiterContinuationRun(invocation, types))
        {
            return false;
        }

        // task.ContinueWith(t => Log(t.Exception)): the continuation is the observer; its own task carries nothing.
        if (ContinuationObservers.IsContinueWith(invocation, types)
            && ContinuationObservers.Lambda(invocation) is { } continuation
            && ContinuationObservers.Observes(invocation, continuation, types))
        {
            return false;
        }

        // task.ContinueWith(observeErrors): a cached delegate to a method of this project that reads t.Exception.
        if (ContinuationObservers.IsContinueWith(invocation, types) && ContinuationObservers.IsObservingMethod(invocation, types))
        {
            return false;
        }

        // tcs.Task.ContinueWith(_ => registration.Dispose()): a cleanup that cannot fault, after a task someone else holds.
        if (ContinuationObservers.IsContinueWith(invocation, types) && HeldTaskCleanups.IsCleanupOfHeldTask(invocation, types))
        {
            return false;
        }

        // A container or Interlocked hands back a task it (or its caller) already owns.
        if (original.ReturnType.TypeKind == TypeKind.TypeParameter && original.MethodKind != MethodKind.DelegateInvoke
            && containing is not null
            && (KnownTypes.Same(containing, types.Interlocked) || KnownTypes.Same(containing, types.Volatile) || KnownTypes.Implements(containing, types.IEnumerable)))
        {
            return false;
        }

        // NSubstitute: sub.Received().SendAsync() checks a call, it starts nothing.
        if (invocation.Instance is IInvocationOperation { TargetMethod.Name: "Received" or "DidNotReceive" or "ReceivedWithAnyArgs" or "DidNotReceiveWithAnyArgs" })
        {
            return false;
        }

        return true;
    }

    /// <summary>
    /// <c>Task.Run(continuation)</c> (or <c>Task.Factory.StartNew</c>, or <c>() =&gt; continuation()</c>) inside an awaiter's
    /// <c>OnCompleted(Action continuation)</c> or <c>UnsafeOnCompleted</c>: the continuation an <c>await</c> hands to its
    /// awaiter resumes an async method, whose exceptions go into that method's own task; running it cannot fault.
    /// </summary>
    private static bool IsAwaiterContinuationRun(IInvocationOperation invocation, KnownTypes types)
    {
        var method = invocation.TargetMethod;
        var containing = method.OriginalDefinition.ContainingType;
        if (!((method.Name == "Run" && KnownTypes.Same(containing, types.Task))
              || (method.Name == "StartNew" && (KnownTypes.Same(containing, types.TaskFactory) || KnownTypes.Same(containing, types.TaskFactoryOfT)))))
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            var value = Unwrap(argument.Value);
            if (value is IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda } && OnlyInvokes(lambda) is { } invoked)
            {
                value = invoked;
            }

            if (value is IParameterReferenceOperation { Parameter: { } parameter } && IsAwaiterContinuation(parameter, types))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The delegate a lambda's body does nothing but invoke (<c>() =&gt; continuation()</c>), or null.</summary>
    private static IOperation? OnlyInvokes(IAnonymousFunctionOperation lambda)
    {
        IOperation? only = null;
        foreach (var statement in lambda.Body.Operations)
        {
            if (statement is IReturnOperation { ReturnedValue: null } && statement.IsImplicit)
            {
                continue;
            }

            if (only is not null)
            {
                return null;
            }

            only = statement;
        }

        return only is IExpressionStatementOperation { Operation: IInvocationOperation { TargetMethod.MethodKind: MethodKind.DelegateInvoke, Instance: { } target } }
            ? Unwrap(target)
            : null;
    }

    /// <summary>The <c>Action</c> parameter of <c>OnCompleted</c>/<c>UnsafeOnCompleted</c> in a type implementing <c>INotifyCompletion</c>.</summary>
    private static bool IsAwaiterContinuation(IParameterSymbol parameter, KnownTypes types)
    {
        if (parameter.ContainingSymbol is not IMethodSymbol { Name: "OnCompleted" or "UnsafeOnCompleted", Parameters.Length: 1 } method
            || parameter.Type is not INamedTypeSymbol { Name: "Action", Arity: 0 }
            || types.INotifyCompletion is null)
        {
            return false;
        }

        foreach (var @interface in method.ContainingType.AllInterfaces)
        {
            if (KnownTypes.Same(@interface, types.INotifyCompletion))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when awaiting <paramref name="awaited"/> yields a task that was started by it and still runs.</summary>
    internal static bool IsInnerTaskProducer(IOperation awaited, KnownTypes types, FireAndForgetOptions options)
    {
        // await Task.WhenAny(...).ConfigureAwait(false) and .WaitAsync(...) yield what the task underneath yields.
        awaited = SkipAwaitConfiguration(awaited, types);
        if (awaited is IInvocationOperation invocation)
        {
            var original = invocation.TargetMethod.OriginalDefinition;
            // Task.WhenAny hands back one of the tasks it was given: those are owned by whoever passed them.
            if (original.Name == "WhenAny" && (KnownTypes.Same(original.ContainingType, types.Task) || KnownTypes.Same(original.ContainingType, types.ValueTask)))
            {
                return false;
            }

            return IsFreshInvocation(invocation, types, options);
        }

        // var outer = Task.Factory.StartNew(async () => ...); await outer; drops the inner task too.
        return awaited is IObjectCreationOperation or ILocalReferenceOperation;
    }

    /// <summary>
    /// Strips <c>ConfigureAwait(...)</c> (both overloads) and <c>WaitAsync(...)</c> of Task, Task&lt;T&gt;, ValueTask and
    /// ValueTask&lt;T&gt;: awaiting them yields the result of the task they are called on.
    /// </summary>
    internal static IOperation SkipAwaitConfiguration(IOperation operation, KnownTypes types)
    {
        while (Unwrap(operation) is IInvocationOperation { Instance: { } instance } invocation
               && invocation.TargetMethod.Name is "ConfigureAwait" or "WaitAsync"
               && IsTaskType(invocation.TargetMethod.OriginalDefinition.ContainingType, types))
        {
            operation = instance;
        }

        return Unwrap(operation);
    }

    /// <summary>
    /// Strips <c>ConfigureAwait(...)</c> of Task, Task&lt;T&gt;, ValueTask and ValueTask&lt;T&gt; (not <c>WaitAsync</c>,
    /// whose own task faults on a timeout): the task being configured.
    /// </summary>
    internal static IOperation SkipConfigureAwait(IOperation operation, KnownTypes types)
    {
        operation = Unwrap(operation);
        while (operation is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } instance } configure
               && IsTaskType(configure.TargetMethod.OriginalDefinition.ContainingType, types))
        {
            operation = Unwrap(instance);
        }

        return operation;
    }

    internal static bool IsTaskType(INamedTypeSymbol? type, KnownTypes types) =>
        type is not null
        && (KnownTypes.Same(type, types.Task) || KnownTypes.Same(type, types.TaskOfT)
            || KnownTypes.Same(type, types.ValueTask) || KnownTypes.Same(type, types.ValueTaskOfT));

    private static string Shorten(string text)
    {
        text = text.Replace("\r", string.Empty).Replace("\n", " ");
        return text.Length <= 60 ? text : text.Substring(0, 57) + "...";
    }
}
