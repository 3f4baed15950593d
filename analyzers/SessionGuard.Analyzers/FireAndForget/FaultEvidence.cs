using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// Whether dropped work has a visible way to fault, which splits what SG1001 finds between two rules. A task nobody
/// observes is SG1001 (a warning) when its work shows how it fails; it is SG1005 (a suggestion) when the analyzer sees
/// no way for it to fault yet cannot prove it never does. Evidence of a fault, outside the <c>try</c> block of a
/// catch-all:
/// <list type="bullet">
/// <item>work the analyzer cannot read, awaited, returned or dropped: a method of another assembly, an abstract or
/// virtual member, an interface member with an implementation it cannot read (I/O, a client library's call), an
/// <c>await foreach</c> or <c>await using</c> over such work;</item>
/// <item>user code: a delegate or event invoked, an <c>IObserver&lt;T&gt;</c> notified, a delegate value run by
/// <c>Task.Run</c> or <c>StartNew</c>;</item>
/// <item>a <c>throw</c> or a rethrow (not of cancellation, nor a guard clause: a throw of <c>ArgumentException</c> or
/// a type derived from it), <c>Task.FromException</c>, <c>WaitAsync</c> with a
/// timeout, <c>SetResult</c>, <c>SetException</c> or <c>SetCanceled</c> of a <c>TaskCompletionSource</c> (they throw
/// on a completed one), an <c>OnlyOnFaulted</c> continuation that never reads the fault;</item>
/// <item>a synchronous call on a type of <c>System.IO</c> or <c>System.Net</c> (a stream's <c>Write</c> or
/// <c>Dispose</c>, a socket's <c>Send</c>).</item>
/// </list>
/// What is read: methods of this compilation awaited, returned or called, up to <see cref="MaxDepth"/> methods deep
/// (deeper awaited work counts as unread, deeper synchronous calls are not read); a method of an interface of this
/// compilation in every class of this compilation that implements it, overrides included; a delegate parameter as the
/// lambda or method group the call passes; a <c>readonly</c> delegate field that no constructor assigns as its
/// initializer; a private delegate field as every value its type assigns to it; a task local as the values assigned to
/// it (for a <c>ContinueWith</c> antecedent, only when nobody else holds the local); <c>ValueTask.AsTask</c> as the
/// value task's work. Not evidence: logging (also a <c>[LoggerMessage]</c> method), synchronous calls of other
/// assemblies (collections, timers) and delegates the framework makes (<c>LoggerMessage.Define</c>,
/// <c>CreateDelegate</c>) run synchronously, awaits of a
/// task read from a field or property (a promise), <c>Task.Delay</c>, <c>Task.Yield</c>, <c>Task.WhenAny</c> and
/// completed tasks. Asked only for a task already found dropped, so it costs nothing on code without reports.
/// </summary>
internal sealed partial class FaultEvidence
{
    /// <summary>The evidence of a dropped <c>OnlyOnFaulted</c> continuation that never reads the fault.</summary>
    internal const string OnlyOnFaultedEvidence = "an OnlyOnFaulted continuation that never reads the fault";

    /// <summary>How many methods of this compilation are read, one inside the other.</summary>
    private const int MaxDepth = 4;

    private readonly KnownTypes _types;

    /// <summary>
    /// Answers about methods read without delegates bound and without reaching <see cref="MaxDepth"/>: the evidence
    /// found, or null for none.
    /// </summary>
    private readonly Dictionary<IMethodSymbol, string?> _methods = new(SymbolEqualityComparer.Default);

    /// <summary>Methods, locals and fields being read: coming round to one again adds nothing (and must not recurse).</summary>
    private readonly HashSet<ISymbol> _reading = new(SymbolEqualityComparer.Default);

    /// <summary>Lambdas being read, by syntax (a delegate bound to itself, a field whose lambda calls the field).</summary>
    private readonly HashSet<SyntaxNode> _readingLambdas = new();

    /// <summary>
    /// The delegates the methods being read were given for their delegate parameters (a lambda or a method group at the
    /// call), so that <c>action()</c> in a helper such as <c>Run.DelayedAsync(delay, () =&gt; Retry())</c> reads the lambda.
    /// </summary>
    private Dictionary<IParameterSymbol, IOperation> _bindings = new(SymbolEqualityComparer.Default);

    /// <summary>Set when a read stopped short (the depth, or a cycle): such an answer is not kept for later calls.</summary>
    private bool _cutShort;

    /// <summary>The evidence the walk found last, as the SG1001 message names it.</summary>
    private string? _evidence;

    private FaultEvidence(KnownTypes types) => _types = types;

    /// <summary>
    /// The evidence of a fault in the dropped <paramref name="work"/>, as SG1001's message names it (what, where); null
    /// when its work shows no way to fault.
    /// </summary>
    public static string? Find(IOperation work, KnownTypes types)
    {
        var walk = new FaultEvidence(types);
        return walk.Work(work, 0) ? walk._evidence ?? "work the analyzer cannot read" : null;
    }

    /// <summary>
    /// Evidence in the work that produces the task <paramref name="operation"/> evaluates to. <paramref name="depth"/>:
    /// how many methods of this compilation the walk is inside.
    /// </summary>
    private bool Work(IOperation? operation, int depth)
    {
        if (operation is null)
        {
            return false;
        }

        var value = TaskOperations.SkipConfigureAwait(operation, _types);
        if (value is IInvocationOperation { TargetMethod.Name: "WaitAsync", Instance: { } waited } wait
            && TaskOperations.IsTaskType(wait.TargetMethod.OriginalDefinition.ContainingType, _types))
        {
            // WaitAsync(timeout) faults its own task with a TimeoutException; with a token alone it only cancels.
            return (HasTimeout(wait) && Found("WaitAsync with a timeout", wait)) || Work(waited, depth);
        }

        switch (value)
        {
            case IAwaitOperation await:
                return Work(await.Operation, depth);
            case IConditionalAccessOperation access:
                return Work(access.WhenNotNull, depth);
            case IConditionalOperation conditional:
                return Work(conditional.WhenTrue, depth) || Work(conditional.WhenFalse, depth);
            case ICoalesceOperation coalesce:
                return Work(coalesce.Value, depth) || Work(coalesce.WhenNull, depth);
            case IObjectCreationOperation creation when _types.IsTask(creation.Type):
                return RunsEvidence(creation.Arguments, depth);
            case IInvocationOperation invocation:
                return Call(invocation, depth);
            case ILocalReferenceOperation local:
                return AssignedWork(local, depth);
            default:
                // A task read from a field, a parameter or a property: a promise, or work started elsewhere.
                return false;
        }
    }

    private static bool HasTimeout(IInvocationOperation wait)
    {
        foreach (var parameter in wait.TargetMethod.Parameters)
        {
            if (parameter.Type is { Name: "TimeSpan" or "TimeProvider" })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Evidence in a call whose task is the work: awaited, returned or dropped.</summary>
    private bool Call(IInvocationOperation invocation, int depth)
    {
        var method = invocation.TargetMethod;
        if (method.MethodKind == MethodKind.DelegateInvoke)
        {
            return DelegateEvidence(invocation.Instance, depth);
        }

        if (SelfObservingWork.IsRunner(method, _types))
        {
            return RunsEvidence(invocation.Arguments, depth);
        }

        if (ContinuationObservers.IsContinueWith(invocation, _types))
        {
            return ContinuationEvidence(invocation, depth);
        }

        var original = Implementation((method.ReducedFrom ?? method).OriginalDefinition);
        if (TaskFactoryEvidence(original, invocation, depth) is { } known)
        {
            return known;
        }

        if (depth + 1 > MaxDepth)
        {
            // Awaited work deeper than the walk reads counts as unread.
            _cutShort = true;
            return Found($"'{Name(original)}', more than {MaxDepth} methods deep", invocation);
        }

        if (IsReadable(original))
        {
            return Method(original, depth + 1, BindingsFor(invocation));
        }

        return !(InterfaceImplementations(original) is { } implementations && NoneFaults(implementations, depth + 1))
            && Found(Unread(original), invocation);
    }

    /// <summary>
    /// The framework's own task factories: <c>Task.Delay</c>, <c>Task.Yield</c>, completed tasks and <c>WhenAny</c>
    /// cannot fault, <c>Task.WhenAll</c> faults with the tasks it is given, anything else of <c>Task</c> or
    /// <c>ValueTask</c> (<c>FromException</c>) can. Null for any other method.
    /// </summary>
    private bool? TaskFactoryEvidence(IMethodSymbol method, IInvocationOperation invocation, int depth)
    {
        var type = method.ContainingType;
        if (KnownTypes.Same(type, _types.Task))
        {
            return method.Name switch
            {
                "Delay" or "Yield" or "FromResult" or "FromCanceled" or "WhenAny" => false,
                "WhenAll" => AnyArgumentWork(invocation, depth),
                _ => Found($"'{Name(method)}'", invocation),
            };
        }

        if (KnownTypes.Same(type, _types.ValueTask) || KnownTypes.Same(type, _types.ValueTaskOfT))
        {
            if (method.Name is "AsTask" or "Preserve")
            {
                // The same work, as a task: what the value task's own work shows.
                return Work(invocation.Instance, depth);
            }

            return method.Name is not ("FromResult" or "FromCanceled") && Found($"'{Name(method)}'", invocation);
        }

        // TimeProvider's Delay (TimeProviderTaskExtensions, Microsoft.Bcl.TimeProvider): a delay, like Task.Delay.
        return method.Name == "Delay" && type is { Name: "TimeProviderTaskExtensions" } ? false : null;
    }

    /// <summary><c>Task.WhenAll(a, b)</c>: evidence in any of the tasks it is given.</summary>
    private bool AnyArgumentWork(IInvocationOperation invocation, int depth)
    {
        foreach (var argument in invocation.Arguments)
        {
            var value = TaskOperations.Unwrap(argument.Value);
            if (value is IArrayCreationOperation { Initializer: { } initializer })
            {
                foreach (var element in initializer.ElementValues)
                {
                    if (Work(element, depth))
                    {
                        return true;
                    }
                }
            }
            else if (Work(value, depth))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A dropped <c>ContinueWith</c>: its continuation can fault, or it leaves a fault of its antecedent unread (the
    /// antecedent is work started here, and the continuation never reads its <c>Exception</c>).
    /// </summary>
    private bool ContinuationEvidence(IInvocationOperation invocation, int depth)
    {
        var lambda = ContinuationObservers.Lambda(invocation);
        bool observesAntecedent = lambda is not null
            ? ContinuationObservers.ReadsFault(lambda, _types)
            : ContinuationObservers.IsObservingMethod(invocation, _types);

        // Run only on a fault, and never reading it: the fault is dropped here, whoever else holds the antecedent.
        if (!observesAntecedent && ContinuationObservers.IsOnlyOnFaulted(invocation))
        {
            return Found(OnlyOnFaultedEvidence, invocation);
        }

        return (!observesAntecedent && AntecedentWork(invocation, depth)) || RunsEvidence(invocation.Arguments, depth);
    }

    /// <summary>
    /// The work a continuation follows: made in the call itself, or in a local nobody else holds (not returned, awaited,
    /// stored or handed on), read as the values assigned to it.
    /// </summary>
    private bool AntecedentWork(IInvocationOperation continueWith, int depth)
    {
        var antecedent = continueWith.Instance is null ? null : TaskOperations.Unwrap(continueWith.Instance);
        return antecedent is ILocalReferenceOperation local
            ? !HeldTaskCleanups.IsHeldElsewhere(local, continueWith) && AssignedWork(local, depth)
            : Work(antecedent, depth);
    }

    /// <summary>A task local: evidence in any value the body assigns to it.</summary>
    private bool AssignedWork(ILocalReferenceOperation reference, int depth)
    {
        var local = reference.Local;
        if (!_reading.Add(local))
        {
            // chain = chain.ContinueWith(...): the local's own values are being read already.
            return false;
        }

        try
        {
            foreach (var operation in OperationWalk.Root(reference).Descendants())
            {
                var assigned = operation switch
                {
                    IVariableDeclaratorOperation declarator when KnownTypes.Same(declarator.Symbol, local) => declarator.Initializer?.Value,
                    ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when KnownTypes.Same(target.Local, local) => assignment.Value,
                    _ => null,
                };

                if (assigned is not null && Work(assigned, depth))
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            _reading.Remove(local);
        }
    }
}
