using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>The branches of <see cref="TaskFlowGraphAnalysis"/>: null checks and constant conditions that clear or keep bits.</summary>
internal sealed partial class TaskFlowGraphAnalysis
{
    private bool Propagate(BasicBlock block, ulong state, ulong[] entryStates)
    {
        if (block.ConditionKind == ControlFlowConditionKind.None || block.BranchValue is null)
        {
            return Flow(block.FallThroughSuccessor, state, entryStates) | Flow(block.ConditionalSuccessor, state, entryStates);
        }

        if (block.BranchValue.ConstantValue is { HasValue: true, Value: bool constant })
        {
            // while (true): the branch out of the loop is never taken.
            bool conditional = constant == (block.ConditionKind == ControlFlowConditionKind.WhenTrue);
            return Flow(conditional ? block.ConditionalSuccessor : block.FallThroughSuccessor, state, entryStates);
        }

        ulong whenConditional = state;
        ulong whenFallThrough = state;
        bool conditionalWhenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
        if (TryGetTakenWhenTrue(block.BranchValue, out ulong taken, out bool takenWhenTrue))
        {
            // if (_tasks.TryRemove(id, out var t)): nothing was taken on the other branch.
            if (conditionalWhenTrue == takenWhenTrue)
            {
                whenFallThrough &= ~taken;
            }
            else
            {
                whenConditional &= ~taken;
            }
        }

        if (_failureFlags.Count > 0)
        {
            _dirtyHere = _dirtyAtEnd[block.Ordinal];
            if (TryGetNullCheck(block.BranchValue, out ulong never, out bool flagNullWhenTrue, failureFlags: true))
            {
                // failure is not null: the try threw before its last statement, the task's assignment, completed.
                if (conditionalWhenTrue == flagNullWhenTrue)
                {
                    whenFallThrough &= ~never;
                }
                else
                {
                    whenConditional &= ~never;
                }
            }
        }

        if (TryGetNullCheck(block.BranchValue, out ulong mask, out bool nullWhenTrue))
        {
            bool conditionalTakenWhen = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
            if (conditionalTakenWhen == nullWhenTrue)
            {
                whenConditional &= ~mask;
            }
            else
            {
                whenFallThrough &= ~mask;
            }
        }

        return Flow(block.ConditionalSuccessor, whenConditional, entryStates) | Flow(block.FallThroughSuccessor, whenFallThrough, entryStates);
    }

    private static bool Flow(ControlFlowBranch? branch, ulong state, ulong[] entryStates)
    {
        if (branch?.Destination is not { } destination
            || branch.Semantics is not (ControlFlowBranchSemantics.Regular or ControlFlowBranchSemantics.Return))
        {
            return false;
        }

        ulong before = entryStates[destination.Ordinal];
        ulong after = before | state;
        entryStates[destination.Ordinal] = after;
        return after != before;
    }

    private bool TryGetTakenWhenTrue(IOperation condition, out ulong bits, out bool whenTrue)
    {
        bits = 0;
        whenTrue = true;
        condition = TaskOperations.Unwrap(condition);
        while (condition is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
        {
            whenTrue = !whenTrue;
            condition = TaskOperations.Unwrap(not.Operand);
        }

        if (condition is not IInvocationOperation invocation)
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            var value = argument.Value is IDeclarationExpressionOperation declaration ? declaration.Expression : argument.Value;
            if (TaskOperations.Variable(value) is not null && _defBits.TryGetValue(value, out ulong bit))
            {
                bits |= bit;
            }
        }

        return bits != 0;
    }

    /// <summary>
    /// A null check of a task local (<paramref name="mask"/>: its definitions) or, with <paramref name="failureFlags"/>,
    /// of a caught-failure local (<paramref name="mask"/>: the definitions that never happened when it is not null).
    /// </summary>
    private bool TryGetNullCheck(IOperation condition, out ulong mask, out bool nullWhenTrue, bool failureFlags = false)
    {
        mask = 0;
        nullWhenTrue = false;
        condition = TaskOperations.Unwrap(condition);
        switch (condition)
        {
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                if (TryGetNullCheck(not.Operand, out mask, out bool inner, failureFlags))
                {
                    nullWhenTrue = !inner;
                    return true;
                }

                return false;
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary:
                nullWhenTrue = binary.OperatorKind == BinaryOperatorKind.Equals;
                return (IsNull(binary.RightOperand) && TryGetLocalMask(binary.LeftOperand, out mask, failureFlags))
                    || (IsNull(binary.LeftOperand) && TryGetLocalMask(binary.RightOperand, out mask, failureFlags));
            case IIsNullOperation isNull:
                nullWhenTrue = true;
                return TryGetLocalMask(isNull.Operand, out mask, failureFlags);
            case IIsPatternOperation isPattern:
                switch (isPattern.Pattern)
                {
                    case IConstantPatternOperation constant when IsNull(constant.Value):
                        nullWhenTrue = true;
                        break;
                    case INegatedPatternOperation { Pattern: IConstantPatternOperation negated } when IsNull(negated.Value):
                    case IDeclarationPatternOperation:
                    case ITypePatternOperation:
                    case IRecursivePatternOperation:
                        nullWhenTrue = false;
                        break;
                    default:
                        return false;
                }

                return TryGetLocalMask(isPattern.Value, out mask, failureFlags);
            default:
                return false;
        }
    }

    private bool TryGetLocalMask(IOperation operation, out ulong mask, bool failureFlags)
    {
        operation = TaskOperations.Unwrap(operation);
        if (failureFlags)
        {
            // Only while nothing but the declaration and the catch clause's store can have written it.
            mask = 0;
            var flagLocal = operation switch
            {
                ILocalReferenceOperation reference => reference.Local,
                IFlowCaptureReferenceOperation captured when _flagCaptures.TryGetValue(captured.Id, out var local) => local,
                _ => null,
            };

            if (flagLocal is not null && _failureFlags.TryGetValue(flagLocal, out int flag)
                && (_dirtyHere & (1UL << flag)) == 0)
            {
                mask = _flagDefs[flag];
                return true;
            }

            return false;
        }

        int index;
        if (TaskOperations.Variable(operation) is { } variable && _locals.TryGetValue(variable, out index))
        {
            mask = _localMasks[index];
            return true;
        }

        if (operation is IFlowCaptureReferenceOperation captureReference && _captures.TryGetValue(captureReference.Id, out index))
        {
            mask = _localMasks[index];
            return true;
        }

        mask = 0;
        return false;
    }

    private static bool IsNull(IOperation operation)
    {
        operation = TaskOperations.Unwrap(operation);
        return operation.ConstantValue.HasValue && operation.ConstantValue.Value is null;
    }
}
