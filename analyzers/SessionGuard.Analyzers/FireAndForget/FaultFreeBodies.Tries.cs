using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>The try statements, catch handlers and loops of <see cref="FaultFreeBodies"/>.</summary>
internal static partial class FaultFreeBodies
{
    /// <summary>
    /// A try with a catch-all (no filter) whose catches neither throw (a catch of cancellation may) nor await anything
    /// unsafe: its body may do anything. Without one, the body and every catch must be safe. A finally must be safe.
    /// </summary>
    private static bool IsSafeTry(ITryOperation @try, KnownTypes types, Reach reach)
    {
        if (!IsSafe(@try.Finally, types, reach))
        {
            return false;
        }

        bool catchAll = false;
        foreach (var clause in @try.Catches)
        {
            bool cancellation = IsCancellation(clause.ExceptionType);
            if (!cancellation && !IsSafeHandler(clause.Handler, types, reach))
            {
                return false;
            }

            if (IsCatchAll(clause))
            {
                catchAll = true;
            }
        }

        if (catchAll)
        {
            // A guarded loop that can never end is work nobody can stop: not safe, as in GuardedBodies.
            return !HasEndlessLoop(@try.Body);
        }

        if (!IsSafe(@try.Body, types, reach))
        {
            return false;
        }

        foreach (var clause in @try.Catches)
        {
            if (!IsSafe(clause.Filter, types, reach) || !(IsCancellation(clause.ExceptionType) ? IsSafeCancellationHandler(clause.Handler, types, reach) : true))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A catch that handles a fault: no throw, and every await in it safe or inside a guarded try of its own.</summary>
    private static bool IsSafeHandler(IBlockOperation handler, KnownTypes types, Reach reach)
    {
        foreach (var operation in Walk(handler))
        {
            if (operation is IThrowOperation || (operation is IAwaitOperation await && !IsSafeAwait(await, types, reach)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A catch of cancellation outside a catch-all: may rethrow (the task ends canceled), otherwise safe.</summary>
    private static bool IsSafeCancellationHandler(IBlockOperation handler, KnownTypes types, Reach reach)
    {
        foreach (var statement in handler.Operations)
        {
            if (statement is IThrowOperation { Exception: null } || statement is IExpressionStatementOperation { Operation: IThrowOperation { Exception: null } })
            {
                continue;
            }

            if (!IsSafe(statement, types, reach))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The operations under <paramref name="root"/>, leaving out nested functions and (unless asked) nested tries with a safe catch-all.</summary>
    private static System.Collections.Generic.IEnumerable<IOperation> Walk(IOperation root, bool skipGuardedTries = true)
    {
        var stack = new System.Collections.Generic.Stack<IOperation>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            foreach (var child in current.ChildOperations)
            {
                if (child is not (IAnonymousFunctionOperation or ILocalFunctionOperation) && !(skipGuardedTries && child is ITryOperation nested && HasCatchAll(nested)))
                {
                    stack.Push(child);
                }
            }
        }
    }

    private static bool HasCatchAll(ITryOperation @try)
    {
        foreach (var clause in @try.Catches)
        {
            if (IsCatchAll(clause))
            {
                foreach (var operation in Walk(clause.Handler))
                {
                    if (operation is IThrowOperation)
                    {
                        return false;
                    }
                }

                return true;
            }
        }

        return false;
    }

    private static bool HasEndlessLoop(IOperation body)
    {
        foreach (var operation in Walk(body, skipGuardedTries: false))
        {
            bool endless = operation switch
            {
                IWhileLoopOperation loop => !CanEnd(loop.Condition, loop.Body),
                IForLoopOperation loop => !CanEnd(loop.Condition, loop.Body),
                _ => false,
            };

            if (endless)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>catch</c>, <c>catch (Exception)</c> or <c>catch (System.Exception)</c>, without a filter.</summary>
    internal static bool IsCatchAll(ICatchClauseOperation clause) =>
        clause.Filter is null && clause.ExceptionType is { } type
        && (type.SpecialType == SpecialType.System_Object || IsSystemException(type));

    /// <summary><c>System.Exception</c> itself, the type a catch-all catches.</summary>
    internal static bool IsSystemException(ITypeSymbol? type) =>
        type is { Name: "Exception" } && type.ContainingNamespace?.ToDisplayString() == "System";

    private static bool IsCancellation(ITypeSymbol? type) =>
        type is { Name: "OperationCanceledException" or "TaskCanceledException" } && type.ContainingNamespace?.ToDisplayString() is "System" or "System.Threading.Tasks";

    /// <summary>A loop ends when its condition is not the constant <c>true</c>, or when its body breaks out or returns.</summary>
    private static bool CanEnd(IOperation? condition, IOperation body)
    {
        if (condition is not null && !(condition.ConstantValue is { HasValue: true, Value: true }))
        {
            return true;
        }

        foreach (var operation in body.Descendants())
        {
            if (operation is IReturnOperation { IsImplicit: false } or IBranchOperation { BranchKind: BranchKind.Break })
            {
                return true;
            }
        }

        return false;
    }
}
