using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// <c>task.ContinueWith(t => ...)</c> whose continuation is the observer of <c>task</c>: it reads the antecedent's
/// <c>Exception</c>, copies its outcome into a <c>TaskCompletionSource</c>, or its whole body is a catch-all. Dropping
/// such a continuation loses nothing; an <c>OnlyOnFaulted</c> continuation that never reads <c>Exception</c> leaves
/// the antecedent's fault unobserved, and that is what SG1001 reports (on the antecedent).
/// </summary>
internal static class ContinuationObservers
{
    /// <summary>TaskContinuationOptions.OnlyOnFaulted: NotOnRanToCompletion | NotOnCanceled.</summary>
    private const long OnlyOnFaulted = 0x10000 | 0x40000;

    /// <summary>True for <c>Task.ContinueWith</c> or <c>Task&lt;T&gt;.ContinueWith</c> called on a task.</summary>
    public static bool IsContinueWith(IInvocationOperation invocation, KnownTypes types) =>
        invocation.TargetMethod.Name == "ContinueWith"
        && invocation.Instance is not null
        && types.IsTask(invocation.TargetMethod.ContainingType);

    /// <summary>The continuation when it is a lambda (or anonymous method); null for a method group or a delegate value.</summary>
    public static IAnonymousFunctionOperation? Lambda(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (TaskOperations.Unwrap(argument.Value) is IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda })
            {
                return lambda;
            }
        }

        return null;
    }

    /// <summary>
    /// True when the continuation is a method of this compilation that reads its antecedent's <c>Exception</c>
    /// (<see cref="MethodReadsFault"/>): given as a method group, or as a <c>readonly</c> delegate field initialized
    /// with one (<c>static readonly Action&lt;Task&gt; observe = Observe;</c>, a cached, allocation-free observer), or a
    /// <c>readonly</c> delegate field initialized with a lambda that observes the antecedent (<see cref="Observes"/>:
    /// <c>static readonly Action&lt;Task, object?&gt; Link = (t, s) =&gt; ((Tcs)s!).TrySetException(t.Exception!);</c>).
    /// </summary>
    public static bool IsObservingMethod(IInvocationOperation invocation, KnownTypes types)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Name is not ("continuationAction" or "continuationFunction"))
            {
                continue;
            }

            switch (TaskOperations.Unwrap(argument.Value))
            {
                case IDelegateCreationOperation { Target: IMethodReferenceOperation reference }:
                    return MethodReadsFault(reference.Method, 0, types.Compilation);
                case IFieldReferenceOperation { Field: { IsReadOnly: true } field }:
                    return FieldMethodsReadFault(field.OriginalDefinition, types.Compilation) || FieldLambdaObserves(invocation, field.OriginalDefinition, types);
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>The lambda a readonly delegate field of this compilation is initialized with observes the antecedent.</summary>
    private static bool FieldLambdaObserves(IInvocationOperation invocation, IFieldSymbol field, KnownTypes types) =>
        FieldInitializer(field, types) is IAnonymousFunctionOperation function && Observes(invocation, function, types);

    /// <summary>
    /// The operation a field of this compilation is initialized with, conversions stripped: for a delegate field, the
    /// lambda, the method group, or the delegate creation of <c>new Action&lt;...&gt;(M)</c>. Null without one initializer.
    /// </summary>
    public static IOperation? FieldInitializer(IFieldSymbol field, KnownTypes types)
    {
        if (field.DeclaringSyntaxReferences.Length != 1
            || (field.DeclaringSyntaxReferences[0].GetSyntax() as VariableDeclaratorSyntax)?.Initializer?.Value is not { } value)
        {
            return null;
        }

#pragma warning disable RS1030 // The field may be in another tree; asked only for a dropped continuation's delegate.
        var initializer = types.Compilation.GetSemanticModel(value.SyntaxTree).GetOperation(value);
#pragma warning restore RS1030
        return initializer is null ? null : TaskOperations.Unwrap(initializer);
    }

    /// <summary>
    /// <c>readonly Action&lt;Task&gt; observe = Observe;</c> (or <c>new Action&lt;Task&gt;(Observe)</c>): every method of that name
    /// reads the fault, or hands the task to a method of <paramref name="compilation"/> that does.
    /// </summary>
    private static bool FieldMethodsReadFault(IFieldSymbol field, Compilation compilation)
    {
        foreach (var reference in field.DeclaringSyntaxReferences)
        {
            var value = (reference.GetSyntax() as VariableDeclaratorSyntax)?.Initializer?.Value;
            if (value is ObjectCreationExpressionSyntax { ArgumentList.Arguments: { Count: 1 } arguments })
            {
                value = arguments[0].Expression;
            }

            if (value is not IdentifierNameSyntax name)
            {
                return false;
            }

            bool any = false;
            foreach (var member in field.ContainingType.GetMembers(name.Identifier.ValueText))
            {
                if (member is not IMethodSymbol method || !MethodReadsFault(method, 0, compilation))
                {
                    return false;
                }

                any = true;
            }

            return any;
        }

        return false;
    }

    /// <summary>
    /// A method of this compilation, not async, whose body reads <c>Exception</c> of its parameter at <paramref name="ordinal"/>, a task
    /// (<c>static void Observe(Task t) =&gt; GC.KeepAlive(t.Exception);</c>), or hands that parameter to another such
    /// method of the compilation (<c>void Complete(Task t) =&gt; _owner.OnCompleted(this, t);</c>), at most
    /// <see cref="MaxForwarding"/> calls deep. Reads syntax, and with <paramref name="compilation"/> resolves the
    /// methods a parameter is handed to.
    /// </summary>
    private static bool MethodReadsFault(IMethodSymbol method, int ordinal, Compilation? compilation, int depth = 0)
    {
        if (method.ReducedFrom is { } reduced)
        {
            method = reduced;
            ordinal++;
        }

        method = method.OriginalDefinition;
        if (method.IsAsync || ordinal >= method.Parameters.Length || method.Parameters[ordinal].Type is not INamedTypeSymbol { Name: "Task" })
        {
            return false;
        }

        string antecedent = method.Parameters[ordinal].Name;
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            SyntaxNode? body = reference.GetSyntax() switch
            {
                BaseMethodDeclarationSyntax declaration => (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody,
                LocalFunctionStatementSyntax localFunction => (SyntaxNode?)localFunction.Body ?? localFunction.ExpressionBody,
                _ => null,
            };

            if (body is null)
            {
                continue;
            }

            foreach (var node in FunctionBodies.OwnNodes(body))
            {
                if (node is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Exception", Expression: IdentifierNameSyntax target }
                    && target.Identifier.ValueText == antecedent)
                {
                    return true;
                }

                if (compilation is not null && depth < MaxForwarding
                    && node is ArgumentSyntax { NameColon: null, RefKindKeyword.RawKind: (int)SyntaxKind.None, Expression: IdentifierNameSyntax handed, Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } arguments }
                    && handed.Identifier.ValueText == antecedent
                    && compilation.ContainsSyntaxTree(call.SyntaxTree)
                    && compilation.GetSemanticModel(call.SyntaxTree).GetSymbolInfo(call).Symbol is IMethodSymbol { ReducedFrom: null } forwardedTo
                    && !forwardedTo.DeclaringSyntaxReferences.IsEmpty
                    && MethodReadsFault(forwardedTo, arguments.Arguments.IndexOf((ArgumentSyntax)node), compilation, depth + 1))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>How many calls deep <see cref="MethodReadsFault"/> follows a task parameter handed on.</summary>
    private const int MaxForwarding = 2;

    /// <summary>True when a constant <c>TaskContinuationOptions</c> argument includes <c>OnlyOnFaulted</c>.</summary>
    public static bool IsOnlyOnFaulted(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Value.Type is { TypeKind: TypeKind.Enum, Name: "TaskContinuationOptions" }
                && argument.Value.ConstantValue is { HasValue: true, Value: { } value }
                && (System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) & OnlyOnFaulted) == OnlyOnFaulted)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the continuation observes the antecedent: reads a task's <c>Exception</c>, completes a
    /// <c>TaskCompletionSource</c> from it, or (unless it runs only on a fault, where only reading the fault counts)
    /// uses the antecedent inside a body that is wholly a catch-all (<see cref="GuardedBodies"/>).
    /// </summary>
    public static bool Observes(IInvocationOperation invocation, IAnonymousFunctionOperation lambda, KnownTypes types) =>
        // An async continuation's own task (the inner one) can still fault unless its whole body is guarded.
        (!lambda.Symbol.IsAsync || GuardedBodies.IsGuardedLambda(lambda))
        && (ReadsFault(lambda, types)
        || (!IsOnlyOnFaulted(invocation) && UsesAntecedent(lambda) && GuardedBodies.IsGuardedLambda(lambda)));

    private static bool UsesAntecedent(IAnonymousFunctionOperation lambda)
    {
        if (lambda.Symbol.Parameters.IsEmpty)
        {
            return false;
        }

        var antecedent = lambda.Symbol.Parameters[0];
        foreach (var operation in lambda.Body.Descendants())
        {
            if (operation is IParameterReferenceOperation reference && KnownTypes.Same(reference.Parameter, antecedent))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the lambda reads a task's <c>Exception</c> or completes a <c>TaskCompletionSource</c>.</summary>
    public static bool ReadsFault(IAnonymousFunctionOperation lambda, KnownTypes types) => ReadsException(lambda, types) || CompletesSource(lambda);

    /// <summary>
    /// True when the lambda reads <c>Exception</c> of a task (its antecedent parameter or the task it continues), or hands
    /// its antecedent to a method of this compilation that reads that parameter's <c>Exception</c>
    /// (<c>(t, state) =&gt; ((Op)state!).Forward(t)</c> with <c>Forward</c> copying <c>t.Exception</c> into a proxy).
    /// </summary>
    private static bool ReadsException(IAnonymousFunctionOperation lambda, KnownTypes types)
    {
        var antecedent = lambda.Symbol.Parameters.IsEmpty ? null : lambda.Symbol.Parameters[0];
        foreach (var operation in lambda.Body.Descendants())
        {
            if (operation is IPropertyReferenceOperation { Property.Name: "Exception" } property && types.IsTask(property.Property.ContainingType))
            {
                return true;
            }

            if (antecedent is not null
                && operation is IArgumentOperation { Parameter: { } parameter } argument
                && TaskOperations.Unwrap(argument.Value) is IParameterReferenceOperation reference
                && KnownTypes.Same(reference.Parameter, antecedent)
                && parameter.ContainingSymbol is IMethodSymbol callee
                && MethodReadsFault(callee, parameter.Ordinal, types.Compilation))
            {
                return true;
            }
        }

        return false;
    }

    private static bool CompletesSource(IAnonymousFunctionOperation lambda)
    {
        foreach (var operation in lambda.Body.Descendants())
        {
            if (operation is IInvocationOperation invocation
                && invocation.TargetMethod.Name is "TrySetException" or "TrySetResult" or "TrySetCanceled" or "TrySetFromTask"
                    or "SetException" or "SetResult" or "SetCanceled" or "SetFromTask"
                && invocation.TargetMethod.ContainingType is { Name: "TaskCompletionSource" } source
                && source.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks")
            {
                return true;
            }
        }

        return false;
    }
}
