using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>The walk of <see cref="FaultEvidence"/> over one function body.</summary>
internal sealed partial class FaultEvidence
{
    /// <summary>
    /// Evidence in a body, outside the <c>try</c> blocks of catch-all tries. <paramref name="returnsWork"/>: a
    /// synchronous function that returns a task, whose returned tasks are its work.
    /// </summary>
    private bool Body(IOperation? operation, int depth, bool returnsWork)
    {
        switch (operation)
        {
            case null:
            case IAnonymousFunctionOperation or ILocalFunctionOperation:
                // Nested functions run when they are called, judged where they are.
                return false;
            case ITryOperation @try:
                return TryEvidence(@try, depth, returnsWork);
            case IThrowOperation @throw:
                return !IsCancellation(@throw) && !IsArgumentGuard(@throw) && Found(Thrown(@throw), @throw);
            case IAwaitOperation await:
                return Work(await.Operation, depth) || Children(await.Operation, depth, returnsWork);
            case IReturnOperation { ReturnedValue: { } returned } when returnsWork:
                return Work(returned, depth) || Children(returned, depth, returnsWork);
            case IInvocationOperation invocation:
                return SyncCallEvidence(invocation, depth) || Children(invocation, depth, returnsWork);
            case IForEachLoopOperation { IsAsynchronous: true } loop:
                // await foreach: each MoveNextAsync awaits the sequence's work.
                return AsyncSequenceEvidence(loop.Collection, depth) || Children(operation, depth, returnsWork);
            case IUsingOperation { IsAsynchronous: true }:
            case IUsingDeclarationOperation { IsAsynchronous: true }:
                // await using: DisposeAsync of a resource the analyzer does not read.
                return Found("an await using", operation);
            default:
                return Children(operation, depth, returnsWork);
        }
    }

    /// <summary>The sequence of an <c>await foreach</c>: an async iterator of this compilation is read, any other is unread work.</summary>
    private bool AsyncSequenceEvidence(IOperation collection, int depth)
    {
        var sequence = TaskOperations.Unwrap(collection);
        while (sequence is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" or "WithCancellation", Instance: { } inner })
        {
            sequence = TaskOperations.Unwrap(inner);
        }

        if (sequence is not IInvocationOperation invocation)
        {
            return Found("an await foreach over a sequence the analyzer cannot read", collection);
        }

        var method = Implementation((invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod).OriginalDefinition);
        if (!IsReadable(method) || depth + 1 > MaxDepth)
        {
            return Found($"an await foreach over '{Name(method)}', which the analyzer does not read", collection);
        }

        return Method(method, depth + 1, BindingsFor(invocation));
    }

    private bool Children(IOperation operation, int depth, bool returnsWork)
    {
        foreach (var child in operation.ChildOperations)
        {
            if (Body(child, depth, returnsWork))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A catch-all <c>try</c> observes what its block throws: only its handlers (a rethrow, an await that can fail) and
    /// its <c>finally</c> count. Any other <c>try</c> is read whole.
    /// </summary>
    private bool TryEvidence(ITryOperation @try, int depth, bool returnsWork)
    {
        bool catchAll = false;
        foreach (var clause in @try.Catches)
        {
            if (FaultFreeBodies.IsCatchAll(clause))
            {
                catchAll = true;
            }
        }

        if (!catchAll && Body(@try.Body, depth, returnsWork))
        {
            return true;
        }

        // try { return stream.FlushAsync(); } catch (Exception) { ... }: the catch sees only what is thrown before the
        // task is returned, never the task's own fault.
        if (catchAll && returnsWork && ReturnedWork(@try.Body, depth))
        {
            return true;
        }

        foreach (var clause in @try.Catches)
        {
            if (Body(clause.Handler, depth, returnsWork))
            {
                return true;
            }
        }

        return Body(@try.Finally, depth, returnsWork);
    }

    private bool ReturnedWork(IOperation block, int depth)
    {
        foreach (var operation in block.Descendants())
        {
            if (operation is IReturnOperation { ReturnedValue: { } returned } && !InNestedFunction(operation, block) && Work(returned, depth))
            {
                return true;
            }
        }

        return false;
    }

    private static bool InNestedFunction(IOperation operation, IOperation block)
    {
        for (var parent = operation.Parent; parent is not null && parent != block; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A call whose result is not awaited or returned here: user code (a delegate, an event, an observer) and
    /// synchronous I/O are evidence; a synchronous method of this compilation is read; a task started and not awaited
    /// faults its own task, which SG1001 judges where it is dropped.
    /// </summary>
    private bool SyncCallEvidence(IInvocationOperation invocation, int depth)
    {
        var method = invocation.TargetMethod;
        if (method.MethodKind == MethodKind.DelegateInvoke)
        {
            return DelegateEvidence(invocation.Instance, depth);
        }

        if (IsObserverNotification(method))
        {
            return Found($"'{Name(method)}', which runs the subscribers' code", invocation);
        }

        if (IsPromiseSet(method))
        {
            return Found($"'{Name(method)}', which throws on a completed promise", invocation);
        }

        if (_types.IsAwaitable(method.ReturnType))
        {
            return false;
        }

        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        var original = Implementation(definition);
        if (FaultFreeBodies.IsLogging(definition))
        {
            // Logging, also through a [LoggerMessage] method whose generated body runs the framework's delegate.
            return false;
        }

        if (IsReadable(original))
        {
            if (depth + 1 > MaxDepth)
            {
                // Synchronous calls deeper than the walk reads are not read.
                _cutShort = true;
                return false;
            }

            return Method(original, depth + 1, BindingsFor(invocation));
        }

        return !KnownTypes.Same(original.ContainingAssembly, _types.SourceAssembly) && IsIo(original)
            && Found($"'{Name(original)}', synchronous I/O", invocation);
    }

    /// <summary>A throw as the message names it: its exception type, or a rethrow.</summary>
    private static string Thrown(IThrowOperation @throw) =>
        @throw.Exception is { } thrown && TaskOperations.Unwrap(thrown).Type is { } type
            ? $"a throw of {type.Name}"
            : "a rethrow";

    /// <summary>
    /// <c>SetResult</c>, <c>SetException</c> or <c>SetCanceled</c> of a <c>TaskCompletionSource</c>: they throw when the
    /// promise is already complete (the <c>Try</c> forms do not).
    /// </summary>
    private static bool IsPromiseSet(IMethodSymbol method) =>
        method.Name is "SetResult" or "SetException" or "SetCanceled"
        && method.ContainingType is { Name: "TaskCompletionSource" } type
        && type.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks";

    /// <summary><c>OnNext</c>, <c>OnError</c> or <c>OnCompleted</c> of an <c>IObserver&lt;T&gt;</c>: the subscribers' code runs.</summary>
    private static bool IsObserverNotification(IMethodSymbol method)
    {
        if (method.Name is not ("OnNext" or "OnError" or "OnCompleted") || method.ContainingType is not { } type)
        {
            return false;
        }

        if (IsObserver(type))
        {
            return true;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            if (IsObserver(@interface))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsObserver(INamedTypeSymbol type) =>
        type is { Name: "IObserver", Arity: 1 } && type.ContainingNamespace?.ToDisplayString() == "System";

    /// <summary>A member of a type in <c>System.IO</c> or <c>System.Net</c> (and their namespaces): a stream, a socket, a file.</summary>
    private static bool IsIo(IMethodSymbol method)
    {
        var ns = method.ContainingType?.ContainingNamespace?.ToDisplayString();
        return ns is not null
            && (ns == "System.IO" || ns.StartsWith("System.IO.", System.StringComparison.Ordinal)
                || ns == "System.Net" || ns.StartsWith("System.Net.", System.StringComparison.Ordinal));
    }

    /// <summary>
    /// A <c>throw</c> that cancels rather than faults: of an <c>OperationCanceledException</c>, or a rethrow in a catch of
    /// one.
    /// </summary>
    private static bool IsCancellation(IThrowOperation @throw)
    {
        if (@throw.Exception is { } thrown)
        {
            return IsCancellationType(TaskOperations.Unwrap(thrown).Type);
        }

        for (var parent = @throw.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is ICatchClauseOperation clause)
            {
                return IsCancellationType(clause.ExceptionType);
            }
        }

        return false;
    }

    /// <summary>
    /// A guard clause written out: a throw of <c>ArgumentException</c> or a type derived from it
    /// (<c>ArgumentNullException</c>, <c>ArgumentOutOfRangeException</c>). The framework's own guards
    /// (<c>ArgumentNullException.ThrowIfNull</c>, <c>ArgumentOutOfRangeException.ThrowIfNegative</c>) are synchronous
    /// calls of another assembly, which are not evidence, and the same check written as a <c>throw</c> counts the same:
    /// it fails only when the caller passes what the method rejects, a bug the caller's own tests find.
    /// </summary>
    private static bool IsArgumentGuard(IThrowOperation @throw) =>
        @throw.Exception is { } thrown && DerivesFrom(TaskOperations.Unwrap(thrown).Type, "ArgumentException");

    private static bool DerivesFrom(ITypeSymbol? type, string systemType)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.Name == systemType && t.ContainingNamespace?.ToDisplayString() == "System")
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsCancellationType(ITypeSymbol? type) => DerivesFrom(type, "OperationCanceledException");
}
