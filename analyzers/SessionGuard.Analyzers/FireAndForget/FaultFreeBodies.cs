using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// Detached work whose guard is spread over the callees it awaits (issue 17, shape C): an async method, local function
/// or lambda of this compilation in which nothing outside a catch-all <c>try</c> can fault. Unlike
/// <see cref="GuardedBodies"/> (syntax, one body), this reads the operations and follows calls into this compilation:
/// <list type="bullet">
/// <item>an <c>await</c> is safe when it awaits <c>Task.Delay</c> or <c>Task.Yield</c> (a delay ends canceled, not
/// faulted), or a method of this compilation that is itself guarded or fault-free (through <c>ConfigureAwait</c>, or an
/// extension of the project whose body is <c>=&gt; task.ConfigureAwait(...)</c>);</item>
/// <item>a call is safe when it logs (a method of a type named <c>ILogger</c> or <c>...Logger</c>, or an extension on
/// one: logging is what the catch blocks do too), follows the Try pattern (<c>bool TryX(...)</c>), is one of
/// <c>Interlocked</c>, <c>Volatile</c>, <c>string.IsNullOrEmpty</c>/<c>IsNullOrWhiteSpace</c>,
/// <c>ReferenceEquals</c>, starts an async method of this compilation without awaiting it (its faults go into its own
/// task, which SG1001 judges where it is dropped), or calls a non-virtual synchronous method of this compilation whose
/// body is fault-free in the same sense;</item>
/// <item>reads of locals, parameters, fields and non-indexer properties, literals, operators of built-in types,
/// patterns, implicit, numeric and enum conversions, assignments to locals, fields and non-virtual auto-properties,
/// <c>if</c>, <c>switch</c>, <c>return</c>, <c>break</c>, loops that can end, <c>lock</c> are safe.</item>
/// </list>
/// Not safe: <c>throw</c> outside a catch of cancellation, a delegate or event invocation (user code), any other call,
/// <c>new</c>, casts that can fail, indexers, <c>using</c>, <c>foreach</c>, <c>while (true)</c> without a way out.
/// </summary>
internal static class FaultFreeBodies
{
    /// <summary>How many calls deep the bodies are followed.</summary>
    private const int MaxDepth = 3;

    /// <summary>True for an async (or void) method or local function of this compilation whose body is fault-free.</summary>
    public static bool IsFaultFreeMethod(IMethodSymbol method, KnownTypes types) => IsFaultFreeMethod(method, types, 0);

    /// <summary>True for an async (or void) lambda whose body is fault-free.</summary>
    public static bool IsFaultFreeLambda(IAnonymousFunctionOperation lambda, KnownTypes types) =>
        (lambda.Symbol.IsAsync || lambda.Symbol.ReturnsVoid) && IsSafe(lambda.Body, types, 0);

    private static bool IsFaultFreeMethod(IMethodSymbol method, KnownTypes types, int depth) =>
        (method.IsAsync || method.ReturnsVoid) && IsSafeBody(method, types, depth);

    private static bool IsSafeBody(IMethodSymbol method, KnownTypes types, int depth)
    {
        if (depth > MaxDepth || method.IsAbstract || method.IsVirtual || method.IsOverride || method.IsExtern
            || method.DeclaringSyntaxReferences.Length != 1)
        {
            return false;
        }

        var syntax = method.DeclaringSyntaxReferences[0].GetSyntax();
        if (syntax is not (BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax))
        {
            return false;
        }

#pragma warning disable RS1030 // The callee may be in another tree; asked only for a dropped task's callees, and cached per method at the top.
        var operation = types.Compilation.GetSemanticModel(syntax.SyntaxTree).GetOperation(syntax);
#pragma warning restore RS1030
        IOperation? body = operation switch
        {
            IMethodBodyOperation methodBody => (IOperation?)methodBody.BlockBody ?? methodBody.ExpressionBody,
            ILocalFunctionOperation localFunction => localFunction.Body,
            _ => null,
        };

        return body is not null && IsSafe(body, types, depth);
    }

    private static bool IsSafe(IOperation? operation, KnownTypes types, int depth)
    {
        switch (operation)
        {
            case null:
                return true;
            case IBlockOperation block:
                return AllSafe(block.Operations, types, depth);
            case IExpressionStatementOperation statement:
                return IsSafe(statement.Operation, types, depth);
            case IVariableDeclarationGroupOperation group:
                foreach (var declaration in group.Declarations)
                {
                    foreach (var declarator in declaration.Declarators)
                    {
                        if (!IsSafe(declarator.Initializer?.Value, types, depth))
                        {
                            return false;
                        }
                    }

                    if (!IsSafe(declaration.Initializer?.Value, types, depth))
                    {
                        return false;
                    }
                }

                return true;
            case IConditionalOperation conditional:
                return IsSafe(conditional.Condition, types, depth) && IsSafe(conditional.WhenTrue, types, depth) && IsSafe(conditional.WhenFalse, types, depth);
            case IReturnOperation @return:
                return IsSafe(@return.ReturnedValue, types, depth);
            case IBranchOperation or IEmptyOperation or ILocalFunctionOperation or IDiscardOperation or IDeclarationExpressionOperation
                or ILiteralOperation or IDefaultValueOperation or ILocalReferenceOperation or IParameterReferenceOperation
                or IInstanceReferenceOperation or IConditionalAccessInstanceOperation or INameOfOperation or ITypeOfOperation
                or IDelegateCreationOperation or IAnonymousFunctionOperation or IMethodReferenceOperation:
                return true;
            case ILabeledOperation labeled:
                return IsSafe(labeled.Operation, types, depth);
            case ILockOperation @lock:
                return IsSafe(@lock.LockedValue, types, depth) && IsSafe(@lock.Body, types, depth);
            case IWhileLoopOperation loop:
                return CanEnd(loop.Condition, loop.Body) && IsSafe(loop.Condition, types, depth) && IsSafe(loop.Body, types, depth);
            case IForLoopOperation loop:
                return CanEnd(loop.Condition, loop.Body) && AllSafe(loop.Before, types, depth) && IsSafe(loop.Condition, types, depth)
                    && AllSafe(loop.AtLoopBottom, types, depth) && IsSafe(loop.Body, types, depth);
            case ISwitchOperation @switch:
                if (!IsSafe(@switch.Value, types, depth))
                {
                    return false;
                }

                foreach (var @case in @switch.Cases)
                {
                    if (!AllSafe(@case.Body, types, depth))
                    {
                        return false;
                    }
                }

                return true;
            case ITryOperation @try:
                return IsSafeTry(@try, types, depth);
            case IAwaitOperation await:
                return IsSafeAwait(await, types, depth);
            case IInvocationOperation invocation:
                return IsSafeCall(invocation, types, depth);
            case IFieldReferenceOperation field:
                return IsSafe(field.Instance, types, depth);
            case IPropertyReferenceOperation property:
                return !property.Property.IsIndexer && IsSafe(property.Instance, types, depth);
            case IConversionOperation conversion:
                return !conversion.Conversion.IsUserDefined
                    && (conversion.Conversion.IsImplicit || conversion.Conversion.IsNumeric
                        || conversion.Type?.TypeKind == TypeKind.Enum || conversion.Operand.Type?.TypeKind == TypeKind.Enum)
                    && IsSafe(conversion.Operand, types, depth);
            case IBinaryOperation binary:
                return IsBuiltIn(binary.OperatorMethod) && IsSafe(binary.LeftOperand, types, depth) && IsSafe(binary.RightOperand, types, depth);
            case IUnaryOperation unary:
                return IsBuiltIn(unary.OperatorMethod) && IsSafe(unary.Operand, types, depth);
            case IIsPatternOperation isPattern:
                return IsSafe(isPattern.Value, types, depth);
            case IIsTypeOperation isType:
                return IsSafe(isType.ValueOperand, types, depth);
            case IConditionalAccessOperation conditionalAccess:
                return IsSafe(conditionalAccess.Operation, types, depth) && IsSafe(conditionalAccess.WhenNotNull, types, depth);
            case ICoalesceOperation coalesce:
                return IsSafe(coalesce.Value, types, depth) && IsSafe(coalesce.WhenNull, types, depth);
            case ISimpleAssignmentOperation assignment:
                return IsSafeTarget(assignment.Target, types, depth) && IsSafe(assignment.Value, types, depth);
            case ICompoundAssignmentOperation compound:
                return IsBuiltIn(compound.OperatorMethod) && IsSafeTarget(compound.Target, types, depth) && IsSafe(compound.Value, types, depth);
            case IIncrementOrDecrementOperation increment:
                return IsBuiltIn(increment.OperatorMethod) && IsSafeTarget(increment.Target, types, depth);
            case IInterpolatedStringOperation interpolated:
                foreach (var part in interpolated.Parts)
                {
                    if (part is IInterpolationOperation interpolation && !IsSafe(interpolation.Expression, types, depth))
                    {
                        return false;
                    }
                }

                return true;
            case IArrayCreationOperation { IsImplicit: true } array:
                return array.Initializer is null || AllSafe(array.Initializer.ElementValues, types, depth);
            case ITupleOperation tuple:
                return AllSafe(tuple.Elements, types, depth);
            default:
                return false;
        }
    }

    private static bool AllSafe(System.Collections.Immutable.ImmutableArray<IOperation> operations, KnownTypes types, int depth)
    {
        foreach (var operation in operations)
        {
            if (!IsSafe(operation, types, depth))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A try with a catch-all (no filter) whose catches neither throw (a catch of cancellation may) nor await anything
    /// unsafe: its body may do anything. Without one, the body and every catch must be safe. A finally must be safe.
    /// </summary>
    private static bool IsSafeTry(ITryOperation @try, KnownTypes types, int depth)
    {
        if (!IsSafe(@try.Finally, types, depth))
        {
            return false;
        }

        bool catchAll = false;
        foreach (var clause in @try.Catches)
        {
            bool cancellation = IsCancellation(clause.ExceptionType);
            if (!cancellation && !IsSafeHandler(clause.Handler, types, depth))
            {
                return false;
            }

            if (clause.Filter is null && clause.ExceptionType is { } type
                && (type.SpecialType == SpecialType.System_Object || (type.Name == "Exception" && type.ContainingNamespace?.ToDisplayString() == "System")))
            {
                catchAll = true;
            }
        }

        if (catchAll)
        {
            // A guarded loop that can never end is work nobody can stop: not safe, as in GuardedBodies.
            return !HasEndlessLoop(@try.Body);
        }

        if (!IsSafe(@try.Body, types, depth))
        {
            return false;
        }

        foreach (var clause in @try.Catches)
        {
            if (!IsSafe(clause.Filter, types, depth) || !(IsCancellation(clause.ExceptionType) ? IsSafeCancellationHandler(clause.Handler, types, depth) : true))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A catch that handles a fault: no throw, and every await in it safe or inside a guarded try of its own.</summary>
    private static bool IsSafeHandler(IBlockOperation handler, KnownTypes types, int depth)
    {
        foreach (var operation in Walk(handler))
        {
            if (operation is IThrowOperation || (operation is IAwaitOperation await && !IsSafeAwait(await, types, depth)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A catch of cancellation outside a catch-all: may rethrow (the task ends canceled), otherwise safe.</summary>
    private static bool IsSafeCancellationHandler(IBlockOperation handler, KnownTypes types, int depth)
    {
        foreach (var statement in handler.Operations)
        {
            if (statement is IThrowOperation { Exception: null } || statement is IExpressionStatementOperation { Operation: IThrowOperation { Exception: null } })
            {
                continue;
            }

            if (!IsSafe(statement, types, depth))
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
            if (clause.Filter is null && clause.ExceptionType is { } type
                && (type.SpecialType == SpecialType.System_Object || (type.Name == "Exception" && type.ContainingNamespace?.ToDisplayString() == "System")))
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

    private static bool IsBuiltIn(IMethodSymbol? operatorMethod) =>
        operatorMethod is null
        || (operatorMethod.ContainingType is { IsValueType: true } type && type.ContainingNamespace?.ToDisplayString() == "System");

    /// <summary>A local, parameter, discard, field, or non-virtual auto-property (no setter code runs).</summary>
    private static bool IsSafeTarget(IOperation target, KnownTypes types, int depth) => target switch
    {
        ILocalReferenceOperation or IParameterReferenceOperation or IDiscardOperation or IDeclarationExpressionOperation => true,
        IFieldReferenceOperation field => IsSafe(field.Instance, types, depth),
        IPropertyReferenceOperation property => GuardedBodies.IsAutoProperty(property.Property) && IsSafe(property.Instance, types, depth),
        _ => false,
    };

    /// <summary>An await of <c>Task.Delay</c>/<c>Task.Yield</c>, or of a guarded or fault-free method of this compilation.</summary>
    private static bool IsSafeAwait(IAwaitOperation await, KnownTypes types, int depth)
    {
        var awaited = SkipConfiguration(await.Operation, types);
        if (awaited is not IInvocationOperation invocation || !AllArgumentsSafe(invocation, types, depth) || !IsSafe(invocation.Instance, types, depth))
        {
            return false;
        }

        var method = (invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod).OriginalDefinition;
        if (method.Name is "Delay" or "Yield" && KnownTypes.Same(method.ContainingType, types.Task))
        {
            return true;
        }

        return KnownTypes.Same(method.ContainingAssembly, types.SourceAssembly)
            && (GuardedBodies.IsGuardedMethod(method) || IsFaultFreeMethod(method, types, depth + 1));
    }

    /// <summary>Strips <c>ConfigureAwait(...)</c> and extensions of this compilation whose body is <c>=&gt; task.ConfigureAwait(...)</c>.</summary>
    private static IOperation SkipConfiguration(IOperation operation, KnownTypes types)
    {
        while (TaskOperations.Unwrap(operation) is IInvocationOperation invocation)
        {
            if (invocation.TargetMethod.Name == "ConfigureAwait" && invocation.Instance is { } instance
                && TaskOperations.IsTaskType(invocation.TargetMethod.OriginalDefinition.ContainingType, types))
            {
                operation = instance;
            }
            else if (IsConfigureWrapper(invocation.TargetMethod) && invocation.Arguments.Length > 0)
            {
                // Reduced or not, the extension's first argument is the task.
                operation = invocation.Instance ?? ArgumentFor(invocation, 0);
            }
            else
            {
                break;
            }
        }

        return TaskOperations.Unwrap(operation);
    }

    private static IOperation ArgumentFor(IInvocationOperation invocation, int ordinal)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal == ordinal)
            {
                return argument.Value;
            }
        }

        return invocation.Arguments[0].Value;
    }

    /// <summary><c>static ConfiguredTaskAwaitable ForAwait(this Task task) =&gt; task.ConfigureAwait(false);</c> of this compilation.</summary>
    private static bool IsConfigureWrapper(IMethodSymbol method)
    {
        var original = (method.ReducedFrom ?? method).OriginalDefinition;
        if (!original.IsExtensionMethod || original.DeclaringSyntaxReferences.Length != 1
            || original.DeclaringSyntaxReferences[0].GetSyntax() is not MethodDeclarationSyntax { ExpressionBody.Expression: InvocationExpressionSyntax call })
        {
            return false;
        }

        return call.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Expression: IdentifierNameSyntax receiver }
            && receiver.Identifier.ValueText == original.Parameters[0].Name;
    }

    private static bool AllArgumentsSafe(IInvocationOperation invocation, KnownTypes types, int depth)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (!IsSafe(argument.Value, types, depth))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsSafeCall(IInvocationOperation invocation, KnownTypes types, int depth)
    {
        var method = invocation.TargetMethod;
        if (method.MethodKind == MethodKind.DelegateInvoke || !AllArgumentsSafe(invocation, types, depth) || !IsSafe(invocation.Instance, types, depth))
        {
            return false;
        }

        var original = (method.ReducedFrom ?? method).OriginalDefinition;
        if (IsLogging(original) || IsTryPattern(original) || IsTrustedFramework(original))
        {
            return true;
        }

        if (!KnownTypes.Same(original.ContainingAssembly, types.SourceAssembly))
        {
            return false;
        }

        // An async method of this compilation, started and not awaited here: it never throws to its caller.
        if (original.IsAsync)
        {
            return true;
        }

        return !types.IsAwaitable(original.ReturnType) && IsSafeBody(original, types, depth + 1);
    }

    /// <summary>A method of a type named <c>ILogger</c> or <c>...Logger</c>, or an extension method on one.</summary>
    private static bool IsLogging(IMethodSymbol method)
    {
        var type = method.IsExtensionMethod && method.Parameters.Length > 0 ? method.Parameters[0].Type : method.ContainingType;
        return type is not null && type.Name.EndsWith("Logger", System.StringComparison.Ordinal);
    }

    /// <summary><c>bool TryX(...)</c>: the Try pattern reports failure through its result instead of throwing.</summary>
    private static bool IsTryPattern(IMethodSymbol method) =>
        method.ReturnType.SpecialType == SpecialType.System_Boolean
        && method.Name.Length > 3 && method.Name.StartsWith("Try", System.StringComparison.Ordinal) && char.IsUpper(method.Name[3]);

    private static bool IsTrustedFramework(IMethodSymbol method)
    {
        var type = method.ContainingType;
        if (type is null)
        {
            return false;
        }

        if (type.SpecialType == SpecialType.System_String)
        {
            return method.Name is "IsNullOrEmpty" or "IsNullOrWhiteSpace";
        }

        if (type.SpecialType == SpecialType.System_Object)
        {
            return method.Name == "ReferenceEquals";
        }

        if (type.Name == "Stopwatch" && type.ContainingNamespace?.ToDisplayString() == "System.Diagnostics")
        {
            // Reads of the monotonic clock: StartNew, GetTimestamp, GetElapsedTime, Start, Stop, Restart, Reset.
            return true;
        }

        return type.Name is "Interlocked" or "Volatile" && type.ContainingNamespace?.ToDisplayString() == "System.Threading";
    }
}
