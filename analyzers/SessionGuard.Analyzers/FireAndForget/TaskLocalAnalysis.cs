using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// The local-variable part of SG1001. While an operation block is analyzed it collects task locals that receive
/// a freshly started task, and local collections (lists, arrays...) that receive such tasks. Only when it found
/// any does it classify their uses and run a may-analysis over the block's control flow graph: a task is
/// reported when it is still unobserved at the end of some path (return or fall-through, not throw), or when its
/// local is overwritten while it is unobserved. A collection is reported when it is only ever added to.
/// </summary>
internal sealed class TaskLocalAnalysis
{
    private readonly KnownTypes _types;
    private readonly object _gate = new();
    private FireAndForgetOptions? _options;
    private Dictionary<ISymbol, int>? _taskLocals;
    private Dictionary<SyntaxNode, IOperation>? _freshDefs;
    private Dictionary<ILocalSymbol, List<IOperation>>? _collections;

    private TaskLocalAnalysis(KnownTypes types) => _types = types;

    public static void Register(OperationBlockStartAnalysisContext context, KnownTypes types)
    {
        var analysis = new TaskLocalAnalysis(types);
        context.RegisterOperationAction(analysis.OnDeclarator, OperationKind.VariableDeclarator);
        context.RegisterOperationAction(analysis.OnAssignment, OperationKind.SimpleAssignment);
        context.RegisterOperationAction(analysis.OnInvocation, OperationKind.Invocation);
        context.RegisterOperationBlockEndAction(analysis.OnBlockEnd);
    }

    private FireAndForgetOptions Options(OperationAnalysisContext context) =>
        _options ??= FireAndForgetOptions.Get(context.Options, context.Operation.Syntax.SyntaxTree);

    private void OnDeclarator(OperationAnalysisContext context)
    {
        var declarator = (IVariableDeclaratorOperation)context.Operation;
        var local = declarator.Symbol;
        var initializer = declarator.Initializer ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer;
        if (initializer is null)
        {
            return;
        }

        if (!_types.IsAwaitable(local.Type))
        {
            // var tasks = items.Select(SendAsync).ToList(); every task is started: the list must be observed.
            if (TaskOperations.IsMaterializedTasks(initializer.Value, _types))
            {
                lock (_gate)
                {
                    _collections ??= new Dictionary<ILocalSymbol, List<IOperation>>(SymbolEqualityComparer.Default);
                    if (!_collections.TryGetValue(local, out var adds))
                    {
                        adds = new List<IOperation>();
                        _collections.Add(local, adds);
                    }

                    adds.Add(initializer.Value);
                }
            }

            return;
        }

        lock (_gate)
        {
            AddTaskDef(local, initializer.Value, Options(context));
        }
    }

    private void OnAssignment(OperationAnalysisContext context)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        switch (assignment.Target)
        {
            case ILocalReferenceOperation target when _types.IsAwaitable(target.Local.Type):
                lock (_gate)
                {
                    AddTaskDef(target.Local, assignment.Value, Options(context));
                }

                break;
            case IParameterReferenceOperation { Parameter: { RefKind: RefKind.None } parameter }
                when _types.IsAwaitable(parameter.Type) && IsOwnParameter(parameter, context.ContainingSymbol):
                // p = SendAsync(); for a by-value parameter: the caller never sees the task, like a local's.
                lock (_gate)
                {
                    AddTaskDef(parameter, assignment.Value, Options(context));
                }

                break;
            case IArrayElementReferenceOperation { ArrayReference: ILocalReferenceOperation array }
                when _types.IsAwaitable(TaskOperations.Unwrap(assignment.Value).Type):
                lock (_gate)
                {
                    AddCollectionAdd(array.Local, assignment.Value, Options(context));
                }

                break;
        }
    }

    private void OnInvocation(OperationAnalysisContext context)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod.Name is "TryRemove" or "Remove" or "TryDequeue" or "TryPop" or "TryTake")
        {
            // _tasks.TryRemove(id, out var task): the collection hands its task over; now somebody must observe it.
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter?.RefKind == RefKind.Out
                    && (argument.Value is IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared } ? declared : argument.Value) is ILocalReferenceOperation taken
                    && (_types.IsAwaitable(taken.Local.Type) || HasTaskMember(taken.Local.Type)))
                {
                    lock (_gate)
                    {
                        _taskLocals ??= new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
                        if (!_taskLocals.ContainsKey(taken.Local))
                        {
                            _taskLocals.Add(taken.Local, _taskLocals.Count);
                        }

                        _freshDefs ??= new Dictionary<SyntaxNode, IOperation>();
                        _freshDefs[taken.Syntax] = invocation;
                    }
                }
            }

            return;
        }

        if (invocation.Instance is not ILocalReferenceOperation receiver
            || invocation.TargetMethod.Name is not ("Add" or "Insert" or "Enqueue" or "Push" or "TryAdd" or "TryEnqueue"))
        {
            return;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (_types.IsAwaitable(TaskOperations.Unwrap(argument.Value).Type))
            {
                lock (_gate)
                {
                    AddCollectionAdd(receiver.Local, argument.Value, Options(context));
                }
            }
        }
    }

    /// <summary>
    /// A parameter of the analyzed body, of a lambda or of a local function in it; not a primary constructor
    /// parameter used from a member, which lives as long as the instance, like a field.
    /// </summary>
    private static bool IsOwnParameter(IParameterSymbol parameter, ISymbol containingSymbol) =>
        KnownTypes.Same(parameter.ContainingSymbol, containingSymbol)
        || parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction };

    private void AddTaskDef(ISymbol local, IOperation value, FireAndForgetOptions options)
    {
        // var _ = WorkAsync(); declares a local named _, a discard in all but name: judged as a discard is, so work that
        // observes itself is left alone. A named local was meant to be used: a guard that only looks whole (a catch
        // that can itself throw) is not enough to drop it silently.
        if (!TaskOperations.IsFreshTask(value, _types, options) || (local.Name == "_" && SelfObservingWork.IsSelfObserving(value, _types)))
        {
            return;
        }

        _taskLocals ??= new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
        if (!_taskLocals.ContainsKey(local))
        {
            _taskLocals.Add(local, _taskLocals.Count);
        }

        _freshDefs ??= new Dictionary<SyntaxNode, IOperation>();
        _freshDefs[TaskOperations.Unwrap(value).Syntax] = value;
    }

    private void AddCollectionAdd(ILocalSymbol collection, IOperation value, FireAndForgetOptions options)
    {
        if (!TaskOperations.IsFreshTask(value, _types, options))
        {
            return;
        }

        _collections ??= new Dictionary<ILocalSymbol, List<IOperation>>(SymbolEqualityComparer.Default);
        if (!_collections.TryGetValue(collection, out var adds))
        {
            adds = new List<IOperation>();
            _collections.Add(collection, adds);
        }

        adds.Add(value);
    }

    private void OnBlockEnd(OperationBlockAnalysisContext context)
    {
        lock (_gate)
        {
            if (_taskLocals is null && _collections is null)
            {
                return;
            }

            var options = _options ?? FireAndForgetOptions.Get(context.Options, context.OperationBlocks[0].Syntax.SyntaxTree);
            var uses = new Dictionary<SyntaxNode, TaskLocalUse>();
            var escaped = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            var observedCollections = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            foreach (var block in context.OperationBlocks)
            {
                foreach (var operation in block.Descendants())
                {
                    if (TaskOperations.Variable(operation) is not { } variable)
                    {
                        continue;
                    }

                    if (_taskLocals is not null && _taskLocals.ContainsKey(variable))
                    {
                        ClassifyTaskUse(operation, variable, options, uses, escaped);
                    }
                    else if (operation is ILocalReferenceOperation { Local: var local } reference
                        && _collections is not null && _collections.ContainsKey(local) && !IsCollectionFill(reference))
                    {
                        observedCollections.Add(local);
                    }
                }
            }

            if (_collections is not null)
            {
                foreach (var pair in _collections)
                {
                    if (observedCollections.Contains(pair.Key))
                    {
                        continue;
                    }

                    foreach (var value in pair.Value)
                    {
                        var reported = TaskOperations.Unwrap(value);
                        context.ReportDiagnostic(FaultEvidence.Report(
                            reported, _types, reported.Syntax.GetLocation(), FireAndForgetAnalyzer.CollectionProperties,
                            TaskOperations.Describe(reported), $"added to '{pair.Key.Name}', which is never awaited, returned or passed on"));
                    }
                }
            }

            if (_taskLocals is not null && _freshDefs is not null && escaped.Count < _taskLocals.Count)
            {
                var flow = new TaskFlowGraphAnalysis(_taskLocals, escaped, _freshDefs, uses);
                foreach (var block in context.OperationBlocks)
                {
                    if (block.Kind is OperationKind.Block or OperationKind.MethodBody or OperationKind.ConstructorBody)
                    {
                        flow.Analyze(context.GetControlFlowGraph(block));
                    }
                }

                foreach (var (def, reason) in flow.Reports)
                {
                    var reported = TaskOperations.Unwrap(def);
                    context.ReportDiagnostic(FaultEvidence.Report(
                        reported, _types, reported.Syntax.GetLocation(), FireAndForgetAnalyzer.LocalProperties,
                        TaskOperations.Describe(reported), reason));
                }
            }
        }
    }

    /// <summary>Adding to, counting or clearing a collection does not observe the tasks in it.</summary>
    private static bool IsCollectionFill(ILocalReferenceOperation reference)
    {
        switch (reference.Parent)
        {
            case IInvocationOperation invocation when invocation.Instance == reference:
                return invocation.TargetMethod.Name is "Add" or "Insert" or "Enqueue" or "Push" or "TryAdd" or "TryEnqueue"
                    or "Clear" or "EnsureCapacity" or "TrimExcess";
            case IPropertyReferenceOperation property when property.Instance == reference:
                return property.Property.Name is "Count" or "Capacity" or "Length";
            case IArrayElementReferenceOperation element when element.ArrayReference == reference:
                return element.Parent is ISimpleAssignmentOperation assignment && assignment.Target == element;
            case IPropertyReferenceOperation or IArrayElementReferenceOperation:
                return false;
            default:
                return reference.Parent is IPropertyReferenceOperation { Property.Name: "Length" }
                    || (reference.Parent is ISimpleAssignmentOperation target && target.Target == reference);
        }
    }

    private void ClassifyTaskUse(IOperation reference, ISymbol local, FireAndForgetOptions options, Dictionary<SyntaxNode, TaskLocalUse> uses, HashSet<ISymbol> escaped)
    {

        // Captured by a lambda or local function, or observed in a finally block: the flow graph of this body
        // cannot follow it, so stay quiet about this local.
        for (var ancestor = reference.Parent; ancestor is not null; ancestor = ancestor.Parent)
        {
            if (ancestor is IAnonymousFunctionOperation lambda)
            {
                if (!KnownTypes.Same(lambda.Symbol, local.ContainingSymbol))
                {
                    escaped.Add(local);
                }

                break;
            }

            if (ancestor is ILocalFunctionOperation localFunction)
            {
                if (!KnownTypes.Same(localFunction.Symbol, local.ContainingSymbol))
                {
                    escaped.Add(local);
                }

                break;
            }

            if (ancestor.Parent is ITryOperation tryOperation && tryOperation.Finally == ancestor)
            {
                escaped.Add(local);
                break;
            }
        }

        uses[reference.Syntax] = Classify(reference, local, options);
    }

    /// <summary>
    /// A tuple or small record that carries a task, such as <c>(CancellationTokenSource Cts, Task Task)</c>: taken out
    /// of a collection, its task must be observed like a task local's. Only tuples and types of this compilation
    /// whose task is a field or an auto-property count: a channel's, pipe's or block's <c>Completion</c> is a
    /// lifetime signal the type computes, not work handed over with the value.
    /// </summary>
    private bool HasTaskMember(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { IsTupleType: true } tuple)
        {
            foreach (var element in tuple.TupleElements)
            {
                if (_types.IsAwaitable(element.Type))
                {
                    return true;
                }
            }

            return false;
        }

        if (type.SpecialType != SpecialType.None || type.TypeKind is not (TypeKind.Class or TypeKind.Struct) || _types.IsTaskLike(type)
            || !KnownTypes.Same(type.ContainingAssembly, _types.SourceAssembly))
        {
            return false;
        }

        // A field the taker can reach holds the task, declared or behind an auto-property (a record's positional
        // Task is one). A private field is the type's own business: its methods observe it.
        foreach (var member in type.GetMembers())
        {
            if (member is IFieldSymbol { IsStatic: false } field && _types.IsAwaitable(field.Type)
                && (field.IsImplicitlyDeclared ? field.AssociatedSymbol : field) is { DeclaredAccessibility: not Accessibility.Private } holder
                && (!field.IsImplicitlyDeclared || holder is IPropertySymbol))
            {
                return true;
            }
        }

        return false;
    }

    private TaskLocalUse Classify(IOperation reference, ISymbol local, FireAndForgetOptions options)
    {
        IOperation current = reference;

        // entry.Task of a local that carries a task: the member's use decides; entry.Cts.Cancel() does not observe.
        if (!_types.IsAwaitable(TypeOf(local)) && reference.Parent is IMemberReferenceOperation member && member.Instance == reference)
        {
            if (!_types.IsAwaitable(member.Type))
            {
                return TaskLocalUse.Neutral;
            }

            current = member;
        }

        var parent = current.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation
               || (parent is IConditionalOperation conditional && conditional.Condition != current)
               || parent is ICoalesceOperation or ISwitchExpressionArmOperation or ISwitchExpressionOperation)
        {
            current = parent;
            parent = current.Parent;
        }

        switch (parent)
        {
            case ISimpleAssignmentOperation assignment when assignment.Target == current:
                return TaskLocalUse.Neutral; // a write, handled as a definition by the flow analysis
            case ISimpleAssignmentOperation { Target: var discard } when TaskOperations.IsDiscard(discard, _types):
                return options.ReportDiscards ? TaskLocalUse.Neutral : TaskLocalUse.Observe;
            case IArgumentOperation argument:
                return IsNonOwningArgument(argument, options) ? TaskLocalUse.Neutral : TaskLocalUse.Observe;
            case IInvocationOperation invocation when invocation.Instance == current:
                return invocation.TargetMethod.Name is "GetHashCode" or "ToString" or "GetType" or "Equals" or "Start" or "RunSynchronously"
                    ? TaskLocalUse.Neutral
                    : TaskLocalUse.Observe;
            case IPropertyReferenceOperation property when property.Instance == current:
                return property.Property.Name == "Id" ? TaskLocalUse.Neutral : TaskLocalUse.Observe;
            case IBinaryOperation:
            case IIsPatternOperation:
            case IIsTypeOperation:
            case IInterpolationOperation:
            case IExpressionStatementOperation:
            case INameOfOperation:
                return TaskLocalUse.Neutral;
            default:
                return TaskLocalUse.Observe;
        }
    }

    private static ITypeSymbol? TypeOf(ISymbol variable) => variable switch
    {
        ILocalSymbol local => local.Type,
        IParameterSymbol parameter => parameter.Type,
        _ => null,
    };

    /// <summary>Passing a task as a plain <c>object</c> (logging, formatting, reference checks) does not hand it over.</summary>
    private bool IsNonOwningArgument(IArgumentOperation argument, FireAndForgetOptions options)
    {
        var parameter = argument.Parameter;
        if (parameter is null)
        {
            return false;
        }

        if (argument.Parent is IInvocationOperation invocation && TaskOperations.IsOwnerMethod(invocation.TargetMethod, _types, options))
        {
            return false;
        }

        var type = parameter.OriginalDefinition.Type;
        return type.SpecialType == SpecialType.System_Object
            || (parameter.IsParams && type is IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Object });
    }
}
