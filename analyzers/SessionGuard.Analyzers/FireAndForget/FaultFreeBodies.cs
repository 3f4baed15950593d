using Microsoft.CodeAnalysis;
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
/// <item>a call is safe when it logs (a method of a type named <c>ILogger</c> or <c>...Logger</c>, an extension on
/// one, or a <c>[LoggerMessage]</c> method: logging is what the catch blocks do too), follows the Try pattern
/// (<c>bool TryX(...)</c>), is one of
/// <c>Interlocked</c>, <c>Volatile</c>, <c>string.IsNullOrEmpty</c>/<c>IsNullOrWhiteSpace</c>,
/// <c>ReferenceEquals</c>, <c>GC.KeepAlive</c>, <c>Dispose</c> of a <c>CancellationTokenRegistration</c> or <c>CancellationTokenSource</c>, starts an async method of this compilation without awaiting it (its faults go into its own
/// task, which SG1001 judges where it is dropped), or calls a non-virtual synchronous method of this compilation whose
/// body is fault-free in the same sense;</item>
/// <item>reads of locals, parameters, fields and non-indexer properties (not a task's <c>Result</c>), literals, operators
/// of built-in types, patterns, implicit, numeric and enum conversions, <c>as</c>, a continuation's cast of its state
/// parameter to the type of the state it is given, <c>new</c> of an exception type of the framework (to hand on, as in
/// <c>TrySetException(new TimeoutException())</c>), assignments to locals, fields and non-virtual auto-properties,
/// <c>if</c>, <c>switch</c>, <c>return</c>, <c>break</c>, loops that can end, <c>lock</c> are safe.</item>
/// </list>
/// Not safe: <c>throw</c> outside a catch of cancellation, a delegate or event invocation (user code), any other call,
/// any other <c>new</c>, casts that can fail, indexers, <c>using</c>, <c>foreach</c>, <c>while (true)</c> without a way out.
/// </summary>
internal static partial class FaultFreeBodies
{
    /// <summary>How many calls deep the bodies are followed.</summary>
    private const int MaxDepth = 3;

    /// <summary>True for an async (or void) method or local function of this compilation whose body is fault-free.</summary>
    public static bool IsFaultFreeMethod(IMethodSymbol method, KnownTypes types) => IsFaultFreeMethod(method, types, default);

    /// <summary>
    /// True for a lambda whose body is fault-free: async, void, or synchronous with a result that is not itself a task
    /// (<c>() =&gt; source.TrySetResult(result)</c>; a returned task would be unwrapped, its faults with it).
    /// </summary>
    public static bool IsFaultFreeLambda(IAnonymousFunctionOperation lambda, KnownTypes types) =>
        (lambda.Symbol.IsAsync || lambda.Symbol.ReturnsVoid || !types.IsAwaitable(lambda.Symbol.ReturnType)) && IsSafe(lambda.Body, types, default);

    /// <summary>
    /// True for a synchronous continuation (a lambda, or a method of this compilation) whose body is fault-free, with its
    /// result, if any, read from nothing that can throw. <paramref name="stateType"/> is the static type of the state
    /// argument the continuation is given: a cast of the continuation's state parameter to that type or a base of it
    /// cannot fail.
    /// </summary>
    public static bool IsFaultFreeContinuation(IAnonymousFunctionOperation lambda, ITypeSymbol? stateType, KnownTypes types) =>
        !lambda.Symbol.IsAsync && IsSafe(lambda.Body, types, new Reach(0, State(lambda.Symbol), stateType));

    /// <inheritdoc cref="IsFaultFreeContinuation(IAnonymousFunctionOperation, ITypeSymbol?, KnownTypes)"/>
    public static bool IsFaultFreeContinuation(IMethodSymbol method, ITypeSymbol? stateType, KnownTypes types) =>
        !method.IsAsync && KnownTypes.Same(method.ContainingAssembly, types.SourceAssembly)
        && IsSafeBody(method, types, new Reach(0, State(method), stateType));

    /// <summary>A continuation's state parameter: the second of <c>(Task antecedent, object? state)</c>.</summary>
    private static IParameterSymbol? State(IMethodSymbol continuation) =>
        continuation.Parameters.Length == 2 ? continuation.Parameters[1] : null;

    private static bool IsFaultFreeMethod(IMethodSymbol method, KnownTypes types, Reach reach) =>
        (method.IsAsync || method.ReturnsVoid) && IsSafeBody(method, types, reach);

    private static bool IsSafeBody(IMethodSymbol method, KnownTypes types, Reach reach)
    {
        if (reach.Depth > MaxDepth || method.IsAbstract || method.IsVirtual || method.IsOverride || method.IsExtern
            || method.DeclaringSyntaxReferences.Length != 1)
        {
            return false;
        }

        return FunctionBodies.BodyOperation(method, types.Compilation) is { } body && IsSafe(body, types, reach);
    }

    private static bool IsSafe(IOperation? operation, KnownTypes types, Reach reach)
    {
        switch (operation)
        {
            case null:
                return true;
            case IBlockOperation block:
                return AllSafe(block.Operations, types, reach);
            case IExpressionStatementOperation statement:
                return IsSafe(statement.Operation, types, reach);
            case IVariableDeclarationGroupOperation group:
                foreach (var declaration in group.Declarations)
                {
                    foreach (var declarator in declaration.Declarators)
                    {
                        if (!IsSafe(declarator.Initializer?.Value, types, reach))
                        {
                            return false;
                        }
                    }

                    if (!IsSafe(declaration.Initializer?.Value, types, reach))
                    {
                        return false;
                    }
                }

                return true;
            case IConditionalOperation conditional:
                return IsSafe(conditional.Condition, types, reach) && IsSafe(conditional.WhenTrue, types, reach) && IsSafe(conditional.WhenFalse, types, reach);
            case IReturnOperation @return:
                return IsSafe(@return.ReturnedValue, types, reach);
            case IBranchOperation or IEmptyOperation or ILocalFunctionOperation or IDiscardOperation or IDeclarationExpressionOperation
                or ILiteralOperation or IDefaultValueOperation or ILocalReferenceOperation or IParameterReferenceOperation
                or IInstanceReferenceOperation or IConditionalAccessInstanceOperation or INameOfOperation or ITypeOfOperation
                or IDelegateCreationOperation or IAnonymousFunctionOperation or IMethodReferenceOperation:
                return true;
            case ILabeledOperation labeled:
                return IsSafe(labeled.Operation, types, reach);
            case ILockOperation @lock:
                return IsSafe(@lock.LockedValue, types, reach) && IsSafe(@lock.Body, types, reach);
            case IWhileLoopOperation loop:
                return CanEnd(loop.Condition, loop.Body) && IsSafe(loop.Condition, types, reach) && IsSafe(loop.Body, types, reach);
            case IForLoopOperation loop:
                return CanEnd(loop.Condition, loop.Body) && AllSafe(loop.Before, types, reach) && IsSafe(loop.Condition, types, reach)
                    && AllSafe(loop.AtLoopBottom, types, reach) && IsSafe(loop.Body, types, reach);
            case ISwitchOperation @switch:
                if (!IsSafe(@switch.Value, types, reach))
                {
                    return false;
                }

                foreach (var @case in @switch.Cases)
                {
                    if (!AllSafe(@case.Body, types, reach))
                    {
                        return false;
                    }
                }

                return true;
            case ITryOperation @try:
                return IsSafeTry(@try, types, reach);
            case IAwaitOperation await:
                return IsSafeAwait(await, types, reach);
            case IInvocationOperation invocation:
                return IsSafeCall(invocation, types, reach);
            case IFieldReferenceOperation field:
                return IsSafe(field.Instance, types, reach);
            case IPropertyReferenceOperation property:
                // A task's Result rethrows its fault.
                return !property.Property.IsIndexer && !(property.Property.Name == "Result" && types.IsTask(property.Property.ContainingType))
                    && IsSafe(property.Instance, types, reach);
            case IConversionOperation conversion:
                return !conversion.Conversion.IsUserDefined
                    && (conversion.Conversion.IsImplicit || conversion.Conversion.IsNumeric || conversion.IsTryCast
                        || conversion.Type?.TypeKind == TypeKind.Enum || conversion.Operand.Type?.TypeKind == TypeKind.Enum
                        || reach.IsStateCast(conversion, types))
                    && IsSafe(conversion.Operand, types, reach);
            case IBinaryOperation binary:
                return IsBuiltIn(binary.OperatorMethod) && IsSafe(binary.LeftOperand, types, reach) && IsSafe(binary.RightOperand, types, reach);
            case IUnaryOperation unary:
                return IsBuiltIn(unary.OperatorMethod) && IsSafe(unary.Operand, types, reach);
            case IIsPatternOperation isPattern:
                return IsSafe(isPattern.Value, types, reach);
            case IIsTypeOperation isType:
                return IsSafe(isType.ValueOperand, types, reach);
            case IConditionalAccessOperation conditionalAccess:
                return IsSafe(conditionalAccess.Operation, types, reach) && IsSafe(conditionalAccess.WhenNotNull, types, reach);
            case ICoalesceOperation coalesce:
                return IsSafe(coalesce.Value, types, reach) && IsSafe(coalesce.WhenNull, types, reach);
            case ISimpleAssignmentOperation assignment:
                return IsSafeTarget(assignment.Target, types, reach) && IsSafe(assignment.Value, types, reach);
            case ICompoundAssignmentOperation compound:
                return IsBuiltIn(compound.OperatorMethod) && IsSafeTarget(compound.Target, types, reach) && IsSafe(compound.Value, types, reach);
            case IIncrementOrDecrementOperation increment:
                return IsBuiltIn(increment.OperatorMethod) && IsSafeTarget(increment.Target, types, reach);
            case IInterpolatedStringOperation interpolated:
                foreach (var part in interpolated.Parts)
                {
                    if (part is IInterpolationOperation interpolation && !IsSafe(interpolation.Expression, types, reach))
                    {
                        return false;
                    }
                }

                return true;
            case IObjectCreationOperation creation:
                // new TimeoutException(): a framework exception to hand on; its constructors only store what they are given.
                return IsFrameworkException(creation.Type, types) && creation.Initializer is null && AllArgumentsSafe(creation.Arguments, types, reach);
            case IArrayCreationOperation { IsImplicit: true } array:
                return array.Initializer is null || AllSafe(array.Initializer.ElementValues, types, reach);
            case ITupleOperation tuple:
                return AllSafe(tuple.Elements, types, reach);
            default:
                return false;
        }
    }

    private static bool AllSafe(System.Collections.Immutable.ImmutableArray<IOperation> operations, KnownTypes types, Reach reach)
    {
        foreach (var operation in operations)
        {
            if (!IsSafe(operation, types, reach))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsBuiltIn(IMethodSymbol? operatorMethod) =>
        operatorMethod is null
        || (operatorMethod.ContainingType is { IsValueType: true } type && type.ContainingNamespace?.ToDisplayString() == "System");

    /// <summary>A local, parameter, discard, field, or non-virtual auto-property (no setter code runs).</summary>
    private static bool IsSafeTarget(IOperation target, KnownTypes types, Reach reach) => target switch
    {
        ILocalReferenceOperation or IParameterReferenceOperation or IDiscardOperation or IDeclarationExpressionOperation => true,
        IFieldReferenceOperation field => IsSafe(field.Instance, types, reach),
        IPropertyReferenceOperation property => GuardedBodies.IsAutoProperty(property.Property) && IsSafe(property.Instance, types, reach),
        _ => false,
    };

    /// <summary>
    /// How deep the walk is in callees, and, in a continuation's own body, its state parameter with the static type of the
    /// state argument it is given.
    /// </summary>
    private readonly struct Reach
    {
        private readonly IParameterSymbol? _state;
        private readonly ITypeSymbol? _stateType;

        public Reach(int depth, IParameterSymbol? state, ITypeSymbol? stateType)
        {
            Depth = depth;
            _state = state;
            _stateType = stateType;
        }

        /// <summary>How many calls deep the walk is.</summary>
        public int Depth { get; }

        /// <summary>Into a callee: one call deeper, where the continuation's state parameter is not in scope.</summary>
        public Reach Deeper => new(Depth + 1, null, null);

        /// <summary><c>(Handler)state</c> where the state argument is a <c>Handler</c> (or derives from it): cannot fail.</summary>
        public bool IsStateCast(IConversionOperation conversion, KnownTypes types)
        {
            if (_state is null || _stateType is null || conversion.Type is null
                || conversion.Operand is not IParameterReferenceOperation { Parameter: { } parameter } || !KnownTypes.Same(parameter, _state))
            {
                return false;
            }

            var classified = types.Compilation.ClassifyCommonConversion(_stateType, conversion.Type);
            return classified.IsIdentity || (classified.IsImplicit && classified.IsReference);
        }
    }
}
