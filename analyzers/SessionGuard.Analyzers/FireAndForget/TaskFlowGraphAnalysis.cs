using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// A may-analysis over a control flow graph: which freshly started tasks, held in locals (or by-value parameters,
/// which are locals of the callee), are still unobserved
/// at each point. Each definition (an assignment of a fresh task to a local) is one bit; an observing use of the
/// local clears the local's bits; the branch of a null check on which the local is null clears them too.
/// Exceptional paths (throw) and the branch a constant condition never takes (<c>while (true)</c>) are not followed.
/// A definition is reported when its bit reaches the exit block, when the local is assigned again while the bit is
/// set, or when its declaration is met again while the bit is set (a loop's next iteration: the variable went out of
/// scope).
/// </summary>
internal sealed partial class TaskFlowGraphAnalysis
{
    private const int MaxDefinitions = 64;

    private readonly Dictionary<ISymbol, int> _locals;
    private readonly HashSet<ISymbol> _escaped;
    private readonly Dictionary<SyntaxNode, IOperation> _freshDefs;
    private readonly Dictionary<SyntaxNode, TaskLocalUse> _uses;
    private readonly HashSet<SyntaxNode> _seenDefs = new();
    private readonly HashSet<SyntaxNode> _reported = new();

    // Per graph.
    private readonly Dictionary<IOperation, ulong> _defBits = new();
    private readonly List<(IOperation Value, ISymbol Local)> _defs = new();
    private readonly Dictionary<CaptureId, int> _captures = new();
    private readonly Dictionary<ISymbol, int> _failureFlags = new(SymbolEqualityComparer.Default);
    private readonly List<ulong> _flagDefs = new();
    private readonly HashSet<SyntaxNode> _flagStores = new();
    private readonly Dictionary<CaptureId, ISymbol> _flagCaptures = new();
    private ulong[] _dirtyAtEnd = System.Array.Empty<ulong>();
    private ulong _dirtyHere;
    private SemanticModel? _model;
    private ulong[] _localMasks = System.Array.Empty<ulong>();
    private ulong _overwritten;
    private ulong _outOfScope;
    private ulong _observed;
    private bool _final;

    public TaskFlowGraphAnalysis(Dictionary<ISymbol, int> locals, HashSet<ISymbol> escaped, Dictionary<SyntaxNode, IOperation> freshDefs, Dictionary<SyntaxNode, TaskLocalUse> uses)
    {
        _locals = locals;
        _escaped = escaped;
        _freshDefs = freshDefs;
        _uses = uses;
    }

    public List<(IOperation Value, string Reason)> Reports { get; } = new();

    public void Analyze(ControlFlowGraph graph)
    {
        AnalyzeGraph(graph);
        if (_seenDefs.Count >= _freshDefs.Count)
        {
            return;
        }

        foreach (var localFunction in graph.LocalFunctions)
        {
            Analyze(graph.GetLocalFunctionControlFlowGraph(localFunction));
        }

        foreach (var block in graph.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                foreach (var nested in operation.DescendantsAndSelf())
                {
                    if (nested is IFlowAnonymousFunctionOperation lambda)
                    {
                        Analyze(graph.GetAnonymousFunctionControlFlowGraph(lambda));
                    }
                }
            }

            if (block.BranchValue is { } branchValue)
            {
                foreach (var nested in branchValue.DescendantsAndSelf())
                {
                    if (nested is IFlowAnonymousFunctionOperation lambda)
                    {
                        Analyze(graph.GetAnonymousFunctionControlFlowGraph(lambda));
                    }
                }
            }
        }
    }

    private void AnalyzeGraph(ControlFlowGraph graph)
    {
        _defBits.Clear();
        _defs.Clear();
        _captures.Clear();
        _failureFlags.Clear();
        _flagDefs.Clear();
        _flagStores.Clear();
        _flagCaptures.Clear();
        _model = graph.OriginalOperation.SemanticModel;
        _localMasks = new ulong[_locals.Count];
        _overwritten = 0;
        _outOfScope = 0;
        _observed = 0;
        _final = false;

        var blocks = graph.Blocks;
        foreach (var block in blocks)
        {
            foreach (var operation in block.Operations)
            {
                CollectDefinitions(operation);
            }

            if (block.BranchValue is { } branchValue)
            {
                CollectDefinitions(branchValue);
            }
        }

        if (_defs.Count == 0)
        {
            return;
        }

        if (_flagDefs.Count > 0)
        {
            CollectFlagCaptures(blocks);
            FollowFlagWrites(blocks);
        }

        var entryStates = new ulong[blocks.Length];
        UntilStable(blocks, block => Propagate(block, Transfer(block, entryStates[block.Ordinal]), entryStates));

        _final = true;
        ulong atExit = 0;
        foreach (var block in blocks)
        {
            if (block.Kind == BasicBlockKind.Exit)
            {
                atExit |= entryStates[block.Ordinal];
                continue;
            }

            Transfer(block, entryStates[block.Ordinal]);
        }

        for (int i = 0; i < _defs.Count; i++)
        {
            ulong bit = 1UL << i;
            var (value, local) = _defs[i];
            string? reason = null;
            if ((_overwritten & bit) != 0)
            {
                reason = $"stored in '{local.Name}' and overwritten before it is observed";
            }
            else if (((atExit | _outOfScope) & bit) != 0 && !((_observed & bit) != 0 && IsDelay(value)))
            {
                reason = (_observed & bit) != 0
                    ? $"stored in '{local.Name}' and not observed on every path"
                    : $"stored in '{local.Name}' and never observed";
            }

            if (reason is not null && _reported.Add(value.Syntax))
            {
                Reports.Add((value, reason));
            }
        }
    }

    /// <summary>
    /// <c>Task.Delay(...)</c>: it cannot fault, and it ends by itself or with its token. Observed on some paths (a
    /// <c>WhenAny</c> in a loop that may not run), it is not reported for the paths that leave it.
    /// </summary>
    private static bool IsDelay(IOperation value) =>
        TaskOperations.Unwrap(value) is IInvocationOperation { TargetMethod: { Name: "Delay", ContainingType: { Name: "Task", Arity: 0 } type } }
        && type.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks";

    private void CollectDefinitions(IOperation root)
    {
        foreach (var operation in root.DescendantsAndSelf())
        {
            switch (operation)
            {
                case ISimpleAssignmentOperation assignment
                    when TaskOperations.Variable(assignment.Target) is { } target
                    && _locals.TryGetValue(target, out int localIndex) && !_escaped.Contains(target):
                    if (TryGetFreshDef(assignment.Value, out var value))
                    {
                        AddDefinition(value.Syntax, assignment, value, target, localIndex);
                        if (_defBits.TryGetValue(assignment, out ulong bit) && _model is { } model
                            && CaughtFailureFlags.For(assignment.Syntax, model, _flagStores) is { } flags)
                        {
                            foreach (var flag in flags)
                            {
                                if (_failureFlags.TryGetValue(flag, out int index))
                                {
                                    _flagDefs[index] |= bit;
                                }
                                else if (_flagDefs.Count < MaxDefinitions)
                                {
                                    _failureFlags.Add(flag, _flagDefs.Count);
                                    _flagDefs.Add(bit);
                                }
                            }
                        }
                    }

                    break;
                case IOperation taken when TaskOperations.Variable(taken) is { } takenVariable
                    && _freshDefs.TryGetValue(taken.Syntax, out var takenBy)
                    && _locals.TryGetValue(takenVariable, out int takenIndex) && !_escaped.Contains(takenVariable):
                    AddDefinition(taken.Syntax, taken, takenBy, takenVariable, takenIndex);

                    break;
                case IFlowCaptureOperation capture when TaskOperations.Variable(TaskOperations.Unwrap(capture.Value)) is { } captured
                    && _locals.TryGetValue(captured, out int capturedIndex):
                    _captures[capture.Id] = capturedIndex;
                    break;
            }
        }
    }

    /// <summary>
    /// Records that <paramref name="at"/> gives <paramref name="local"/> the fresh task <paramref name="value"/> (at most
    /// <see cref="MaxDefinitions"/> definitions get a bit); <paramref name="seen"/> marks the fresh task as met.
    /// </summary>
    private void AddDefinition(SyntaxNode seen, IOperation at, IOperation value, ISymbol local, int localIndex)
    {
        _seenDefs.Add(seen);
        if (_defs.Count < MaxDefinitions)
        {
            ulong bit = 1UL << _defs.Count;
            _defs.Add((value, local));
            _defBits[at] = bit;
            _localMasks[localIndex] |= bit;
        }
    }

    private bool TryGetFreshDef(IOperation value, out IOperation fresh)
    {
        if (_freshDefs.TryGetValue(TaskOperations.Unwrap(value).Syntax, out fresh!) || _freshDefs.TryGetValue(value.Syntax, out fresh!))
        {
            return true;
        }

        return false;
    }

    private ulong Transfer(BasicBlock block, ulong state)
    {
        foreach (var operation in block.Operations)
        {
            state = Visit(operation, state);
        }

        if (block.BranchValue is { } branchValue)
        {
            state = Visit(branchValue, state);
        }

        return state;
    }

    private ulong Visit(IOperation operation, ulong state)
    {
        switch (operation)
        {
            case ISimpleAssignmentOperation assignment
                when TaskOperations.Variable(assignment.Target) is { } target
                && _locals.TryGetValue(target, out int localIndex) && !_escaped.Contains(target):
            {
                state = Visit(assignment.Value, state);
                ulong mask = _localMasks[localIndex];
                if (_final)
                {
                    // A declaration met again is a loop's next iteration: a fresh variable, the last one went out of scope.
                    if (assignment.Target is ILocalReferenceOperation { IsDeclaration: true })
                    {
                        _outOfScope |= state & mask;
                    }
                    else
                    {
                        _overwritten |= state & mask;
                    }
                }

                state &= ~mask;
                if (_defBits.TryGetValue(assignment, out ulong bit))
                {
                    state |= bit;
                }

                return state;
            }

            case IOperation reference when TaskOperations.Variable(reference) is { } variable && _locals.TryGetValue(variable, out int localIndex):
            {
                if (_defBits.TryGetValue(reference, out ulong takenBit))
                {
                    // out argument of TryRemove & co: a definition, like an assignment.
                    ulong takenMask = _localMasks[localIndex];
                    if (_final)
                    {
                        _overwritten |= state & takenMask;
                    }

                    return (state & ~takenMask) | takenBit;
                }

                if (!_uses.TryGetValue(reference.Syntax, out var use) || use == TaskLocalUse.Observe)
                {
                    ulong mask = _localMasks[localIndex];
                    if (_final)
                    {
                        _observed |= state & mask;
                    }

                    state &= ~mask;
                }

                return state;
            }

            case IFlowAnonymousFunctionOperation:
                return state;
        }

        foreach (var child in operation.ChildOperations)
        {
            state = Visit(child, state);
        }

        return state;
    }
}
