using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// A dropped <c>task.ContinueWith(t =&gt; registration.Dispose())</c> that only cleans up after a task someone else holds
/// (issue 17, shape H). The antecedent is held elsewhere: a parameter (its caller holds it), a field, a property
/// (<c>tcs.Task</c>, <c>channel.Completion</c>), or a local that the method also returns, awaits, stores or hands on.
/// The continuation cannot fault (<see cref="FaultFreeBodies.IsFaultFreeContinuation(IAnonymousFunctionOperation, ITypeSymbol?, KnownTypes)"/>:
/// it never reads the antecedent's <c>Result</c>), and it does not run only on a fault (that one is the antecedent's
/// fault handler, and SG1001 reports the fault it drops). Its own task then only ever runs to completion or is
/// canceled: dropping it loses nothing, and the antecedent's fault stays with its holder.
/// Still reported: <c>SendAsync().ContinueWith(_ =&gt; timer.Dispose())</c>, whose antecedent is dropped with it.
/// </summary>
internal static class HeldTaskCleanups
{
    /// <summary>True when <paramref name="invocation"/>, a <c>ContinueWith</c>, is such a cleanup.</summary>
    public static bool IsCleanupOfHeldTask(IInvocationOperation invocation, KnownTypes types)
    {
        if (invocation.Instance is not { } instance
            || ContinuationObservers.IsOnlyOnFaulted(invocation)
            || !IsHeldElsewhere(TaskOperations.Unwrap(instance), invocation))
        {
            return false;
        }

        IOperation? continuation = null;
        ITypeSymbol? stateType = null;
        foreach (var argument in invocation.Arguments)
        {
            switch (argument.Parameter?.Name)
            {
                case "continuationAction" or "continuationFunction":
                    continuation = TaskOperations.Unwrap(argument.Value);
                    break;
                case "state":
                    stateType = TaskOperations.Unwrap(argument.Value).Type;
                    break;
            }
        }

        return continuation switch
        {
            IFieldReferenceOperation { Field: { IsReadOnly: true } field } =>
                ContinuationObservers.FieldInitializer(field.OriginalDefinition, types) is { } initializer && IsFaultFree(initializer, stateType, types),
            { } delegateValue => IsFaultFree(delegateValue, stateType, types),
            null => false,
        };
    }

    /// <summary>A delegate creation, lambda or method group that cannot fault.</summary>
    private static bool IsFaultFree(IOperation target, ITypeSymbol? stateType, KnownTypes types) => target switch
    {
        IDelegateCreationOperation creation => IsFaultFree(creation.Target, stateType, types),
        IAnonymousFunctionOperation lambda => FaultFreeBodies.IsFaultFreeContinuation(lambda, stateType, types),
        IMethodReferenceOperation reference => FaultFreeBodies.IsFaultFreeContinuation(reference.Method.OriginalDefinition, stateType, types),
        _ => false,
    };

    /// <summary>
    /// A parameter, a field, a non-indexer property, or a local that is also returned, awaited, handed to a call (not as
    /// an <c>object</c>) or stored outside the method's locals.
    /// </summary>
    internal static bool IsHeldElsewhere(IOperation antecedent, IInvocationOperation continueWith)
    {
        switch (antecedent)
        {
            case IParameterReferenceOperation or IFieldReferenceOperation:
                return true;
            case IPropertyReferenceOperation property:
                return !property.Property.IsIndexer;
            case ILocalReferenceOperation local:
                IOperation top = continueWith;
                while (top.Parent is { } parent)
                {
                    top = parent;
                }

                foreach (var operation in top.Descendants())
                {
                    if (operation is ILocalReferenceOperation other && other != antecedent
                        && KnownTypes.Same(other.Local, local.Local) && IsHandedOn(other))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>The local's value leaves it here: returned, awaited (directly or configured), handed to a call, stored.</summary>
    private static bool IsHandedOn(ILocalReferenceOperation reference)
    {
        IOperation current = reference;
        while (current.Parent is IConversionOperation or IParenthesizedOperation)
        {
            current = current.Parent;
        }

        return current.Parent switch
        {
            IReturnOperation or IAwaitOperation => true,
            IArgumentOperation argument => argument.Parameter?.Type.SpecialType != SpecialType.System_Object,
            IInvocationOperation { TargetMethod.Name: "ConfigureAwait" or "WaitAsync", Parent: IAwaitOperation } configured => configured.Instance == current,
            ISimpleAssignmentOperation assignment => assignment.Value == current
                && assignment.Target is IFieldReferenceOperation or IPropertyReferenceOperation or IArrayElementReferenceOperation,
            _ => false,
        };
    }
}
