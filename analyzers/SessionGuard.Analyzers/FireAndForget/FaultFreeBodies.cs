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
internal static partial class FaultFreeBodies
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
}
