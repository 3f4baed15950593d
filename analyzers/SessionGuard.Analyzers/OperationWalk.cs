using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>Small helpers to follow a value from where it is made to where it ends up.</summary>
internal static class OperationWalk
{
    /// <summary>The operation that consumes <paramref name="operation"/>'s value, skipping conversions and parentheses.</summary>
    public static IOperation? Consumer(IOperation operation, out IOperation consumed)
    {
        consumed = operation;
        var parent = operation.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation
               || (parent is IConditionalOperation conditional && conditional.Condition != consumed)
               || parent is ICoalesceOperation)
        {
            consumed = parent;
            parent = parent.Parent;
        }

        return parent;
    }

    /// <summary>The outermost operation above <paramref name="operation"/>.</summary>
    public static IOperation Root(IOperation operation)
    {
        while (operation.Parent is not null)
        {
            operation = operation.Parent;
        }

        return operation;
    }

    /// <summary>The local a value is stored into, for <c>var x = value;</c> and <c>x = value;</c>.</summary>
    public static ILocalSymbol? StoredInLocal(IOperation? consumer, IOperation consumed)
    {
        switch (consumer)
        {
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                return declarator.Symbol;
            case IVariableInitializerOperation { Parent: IVariableDeclarationOperation { Declarators.Length: 1 } declaration }:
                return declaration.Declarators[0].Symbol;
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when assignment.Value == consumed:
                return target.Local;
            default:
                return null;
        }
    }
}
