using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// Detached work that observes its own faults: <c>_ = FooAsync()</c>, <c>_ = Task.Run(() =&gt; Foo())</c> or
/// <c>_ = Task.Run(async () =&gt; { ... })</c> where the lambda's body, or the body of the method it calls (a method or
/// local function of this compilation), is guarded (<see cref="GuardedBodies"/>). This is a hand-written
/// <c>Forget(logger)</c>: its task never faults, and SG1001 leaves it alone when it is dropped or discarded. A method
/// of this compilation that only hands such work back (<c>static Task&lt;bool&gt; TrySetResultAsync&lt;T&gt;(this
/// TaskCompletionSource&lt;T&gt; source, T result) =&gt; Task.Run(() =&gt; source.TrySetResult(result));</c>) starts it too.
/// </summary>
internal static class SelfObservingWork
{
    /// <summary>How many methods that hand work back are followed.</summary>
    private const int MaxDepth = 3;

    /// <summary>True when the dropped <paramref name="operation"/> runs guarded work.</summary>
    public static bool IsSelfObserving(IOperation operation, KnownTypes types) => IsSelfObserving(operation, types, 0);

    /// <summary>
    /// True for a method of this compilation, not async, whose every <c>return</c> (or expression body) hands back
    /// detached work that observes itself, or a completed task when another return hands back such work (a method
    /// that only returns <c>Task.CompletedTask</c> is a stub, reported like any call). A synchronous throw before it
    /// returns reaches the caller, not the task. The caller caches the answer.
    /// </summary>
    public static bool ReturnsSelfObservingWork(IMethodSymbol method, KnownTypes types) => ReturnsSelfObservingWork(method, types, 0);

    private static bool IsSelfObserving(IOperation operation, KnownTypes types, int depth)
    {
        // StartNew(...).ConfigureAwait(false): the awaitable only configures an await of the same task. WaitAsync is
        // not skipped: its own task faults on a timeout or a cancellation whatever the work does.
        var unwrapped = TaskOperations.SkipConfigureAwait(operation, types);

        if (unwrapped is not IInvocationOperation invocation)
        {
            return false;
        }

        var method = invocation.TargetMethod;
        if (IsRunner(method, types))
        {
            foreach (var argument in invocation.Arguments)
            {
                switch (TaskOperations.Unwrap(argument.Value))
                {
                    case IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda }:
                        return GuardedBodies.IsGuardedLambda(lambda) || CallsGuardedMethod(lambda, types) || FaultFreeBodies.IsFaultFreeLambda(lambda, types);
                    case IDelegateCreationOperation { Target: IMethodReferenceOperation reference }:
                        return types.IsGuardedMethod(reference.Method.OriginalDefinition);
                }
            }

            return false;
        }

        var callee = (method.ReducedFrom ?? method).OriginalDefinition;
        return types.IsGuardedMethod(callee)
            || (depth == 0 ? types.ReturnsSelfObservingWork(callee) : depth < MaxDepth && ReturnsSelfObservingWork(callee, types, depth));
    }

    private static bool ReturnsSelfObservingWork(IMethodSymbol method, KnownTypes types, int depth)
    {
        if (method.IsAsync || method.DeclaringSyntaxReferences.Length != 1 || !types.IsAwaitable(method.ReturnType)
            || !KnownTypes.Same(method.ContainingAssembly, types.SourceAssembly))
        {
            return false;
        }

        var syntax = method.DeclaringSyntaxReferences[0].GetSyntax();
#pragma warning disable RS1030 // The callee may be in another tree; asked only for a dropped task's callee, and cached per method at the top.
        var model = types.Compilation.GetSemanticModel(syntax.SyntaxTree);
#pragma warning restore RS1030
        bool anyWork = false;
        foreach (var returned in FunctionBodies.ReturnedExpressions(syntax))
        {
            if (returned is null || model.GetOperation(returned) is not { } value)
            {
                return false;
            }

            if (IsCompleted(value, types))
            {
                continue;
            }

            if (!IsSelfObserving(value, types, depth + 1))
            {
                return false;
            }

            anyWork = true;
        }

        return anyWork;
    }

    /// <summary><c>Task.CompletedTask</c>, <c>Task.FromResult(...)</c>, <c>Task.FromCanceled(...)</c>: nothing runs.</summary>
    private static bool IsCompleted(IOperation value, KnownTypes types) => TaskOperations.Unwrap(value) switch
    {
        IPropertyReferenceOperation { Property.Name: "CompletedTask" } completed => types.IsTaskLike(completed.Property.ContainingType),
        IInvocationOperation { TargetMethod.Name: "FromResult" or "FromCanceled" } fromResult => types.IsTaskLike(fromResult.TargetMethod.ContainingType),
        _ => false,
    };

    /// <summary>Task.Run and Task.Factory.StartNew: they run the delegate they are given.</summary>
    internal static bool IsRunner(IMethodSymbol method, KnownTypes types)
    {
        var containing = method.OriginalDefinition.ContainingType;
        return (method.Name == "Run" && KnownTypes.Same(containing, types.Task))
            || (method.Name == "StartNew" && (KnownTypes.Same(containing, types.TaskFactory) || KnownTypes.Same(containing, types.TaskFactoryOfT)));
    }

    /// <summary><c>() =&gt; Foo()</c>, <c>async () =&gt; await FooAsync()</c>, <c>() =&gt; { Foo(); }</c>: one call of a guarded method.</summary>
    private static bool CallsGuardedMethod(IAnonymousFunctionOperation lambda, KnownTypes types)
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
                return false;
            }

            only = statement;
        }

        var value = only switch
        {
            IReturnOperation { ReturnedValue: { } returned } => returned,
            IExpressionStatementOperation expression => expression.Operation,
            _ => null,
        };

        if (value is null)
        {
            return false;
        }

        value = TaskOperations.Unwrap(value);
        if (value is IAwaitOperation await)
        {
            value = TaskOperations.SkipAwaitConfiguration(await.Operation, types);
        }

        return value is IInvocationOperation call && types.IsGuardedMethod((call.TargetMethod.ReducedFrom ?? call.TargetMethod).OriginalDefinition);
    }
}
