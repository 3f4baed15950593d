using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// Detached work that observes its own faults: <c>_ = FooAsync()</c>, <c>_ = Task.Run(() =&gt; Foo())</c> or
/// <c>_ = Task.Run(async () =&gt; { ... })</c> where the lambda's body, or the body of the method it calls (a method or
/// local function of this compilation), is guarded (<see cref="GuardedBodies"/>). This is a hand-written
/// <c>Forget(logger)</c>: its task never faults, and SG1001 leaves it alone when it is dropped or discarded.
/// </summary>
internal static class SelfObservingWork
{
    /// <summary>True when the dropped <paramref name="operation"/> runs guarded work.</summary>
    public static bool IsSelfObserving(IOperation operation, KnownTypes types)
    {
        var unwrapped = TaskOperations.Unwrap(operation);

        // StartNew(...).ConfigureAwait(false): the awaitable only configures an await of the same task. WaitAsync is
        // not skipped: its own task faults on a timeout or a cancellation whatever the work does.
        while (unwrapped is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } instance } configure
               && TaskOperations.IsTaskType(configure.TargetMethod.OriginalDefinition.ContainingType, types))
        {
            unwrapped = TaskOperations.Unwrap(instance);
        }

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

        return types.IsGuardedMethod((method.ReducedFrom ?? method).OriginalDefinition);
    }

    /// <summary>Task.Run and Task.Factory.StartNew: they run the delegate they are given.</summary>
    private static bool IsRunner(IMethodSymbol method, KnownTypes types)
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
