using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>The caught-failure locals of <see cref="TaskFlowGraphAnalysis"/>: which may have been written elsewhere.</summary>
internal sealed partial class TaskFlowGraphAnalysis
{
    /// <summary>
    /// Which caught-failure locals may have been written by something other than their declaration or their catch
    /// clause's store, at each block's end, where its branch checks them (a may-analysis: one bit per local, merged by
    /// union).
    /// </summary>
    private void FollowFlagWrites(System.Collections.Immutable.ImmutableArray<BasicBlock> blocks)
    {
        var dirtyEntry = new ulong[blocks.Length];
        UntilStable(blocks, block =>
        {
            ulong dirty = FlagWrites(block, dirtyEntry[block.Ordinal]);
            return Flow(block.FallThroughSuccessor, dirty, dirtyEntry) | Flow(block.ConditionalSuccessor, dirty, dirtyEntry);
        });

        _dirtyAtEnd = new ulong[blocks.Length];
        foreach (var block in blocks)
        {
            _dirtyAtEnd[block.Ordinal] = FlagWrites(block, dirtyEntry[block.Ordinal]);
        }
    }

    /// <summary>Runs <paramref name="step"/> over every reachable block, in order, until no step reports a change.</summary>
    private static void UntilStable(System.Collections.Immutable.ImmutableArray<BasicBlock> blocks, System.Func<BasicBlock, bool> step)
    {
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var block in blocks)
            {
                if (block.IsReachable || block.Kind == BasicBlockKind.Entry)
                {
                    changed |= step(block);
                }
            }
        }
    }

    /// <summary>The captures of a caught-failure local: <c>failure ??= ...</c> checks a capture of it, not the local.</summary>
    private void CollectFlagCaptures(System.Collections.Immutable.ImmutableArray<BasicBlock> blocks)
    {
        foreach (var block in blocks)
        {
            foreach (var operation in block.Operations)
            {
                if (operation is not IFlowCaptureOperation { Value: var value } capture)
                {
                    continue;
                }

                // ??= captures the local's location, then its value from that capture.
                switch (TaskOperations.Unwrap(value))
                {
                    case ILocalReferenceOperation reference when _failureFlags.ContainsKey(reference.Local):
                        _flagCaptures[capture.Id] = reference.Local;
                        break;
                    case IFlowCaptureReferenceOperation captured when _flagCaptures.TryGetValue(captured.Id, out var local):
                        _flagCaptures[capture.Id] = local;
                        break;
                }
            }
        }
    }

    private ulong FlagWrites(BasicBlock block, ulong dirty)
    {
        foreach (var operation in block.Operations)
        {
            dirty = FlagWrites(operation, dirty);
        }

        return block.BranchValue is { } branchValue ? FlagWrites(branchValue, dirty) : dirty;
    }

    private ulong FlagWrites(IOperation root, ulong dirty)
    {
        foreach (var operation in root.DescendantsAndSelf())
        {
            if (operation is ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment
                && _failureFlags.TryGetValue(target.Local, out int index))
            {
                ulong bit = 1UL << index;
                dirty = _flagStores.Contains(assignment.Syntax) || IsNull(assignment.Value) ? dirty & ~bit : dirty | bit;
            }
        }

        return dirty;
    }
}
