using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>The awaits and calls of <see cref="FaultFreeBodies"/>: which callees are safe to await or call.</summary>
internal static partial class FaultFreeBodies
{
    /// <summary>An await of <c>Task.Delay</c>/<c>Task.Yield</c>, or of a guarded or fault-free method of this compilation.</summary>
    private static bool IsSafeAwait(IAwaitOperation await, KnownTypes types, Reach reach)
    {
        var awaited = SkipConfiguration(await.Operation, types);
        if (awaited is not IInvocationOperation invocation || !AllArgumentsSafe(invocation, types, reach) || !IsSafe(invocation.Instance, types, reach))
        {
            return false;
        }

        var method = (invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod).OriginalDefinition;
        if (method.Name is "Delay" or "Yield" && KnownTypes.Same(method.ContainingType, types.Task))
        {
            return true;
        }

        return KnownTypes.Same(method.ContainingAssembly, types.SourceAssembly)
            && (GuardedBodies.IsGuardedMethod(method) || IsFaultFreeMethod(method, types, reach.Deeper));
    }

    /// <summary>Strips <c>ConfigureAwait(...)</c> and extensions of this compilation whose body is <c>=&gt; task.ConfigureAwait(...)</c>.</summary>
    private static IOperation SkipConfiguration(IOperation operation, KnownTypes types)
    {
        while (TaskOperations.Unwrap(operation) is IInvocationOperation invocation)
        {
            if (invocation.TargetMethod.Name == "ConfigureAwait" && invocation.Instance is { } instance
                && TaskOperations.IsTaskType(invocation.TargetMethod.OriginalDefinition.ContainingType, types))
            {
                operation = instance;
            }
            else if (IsConfigureWrapper(invocation.TargetMethod) && invocation.Arguments.Length > 0)
            {
                // Reduced or not, the extension's first argument is the task.
                operation = invocation.Instance ?? ArgumentFor(invocation, 0);
            }
            else
            {
                break;
            }
        }

        return TaskOperations.Unwrap(operation);
    }

    private static IOperation ArgumentFor(IInvocationOperation invocation, int ordinal)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal == ordinal)
            {
                return argument.Value;
            }
        }

        return invocation.Arguments[0].Value;
    }

    /// <summary><c>static ConfiguredTaskAwaitable ForAwait(this Task task) =&gt; task.ConfigureAwait(false);</c> of this compilation.</summary>
    private static bool IsConfigureWrapper(IMethodSymbol method)
    {
        var original = (method.ReducedFrom ?? method).OriginalDefinition;
        if (!original.IsExtensionMethod || original.DeclaringSyntaxReferences.Length != 1
            || original.DeclaringSyntaxReferences[0].GetSyntax() is not MethodDeclarationSyntax { ExpressionBody.Expression: InvocationExpressionSyntax call })
        {
            return false;
        }

        return call.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Expression: IdentifierNameSyntax receiver }
            && receiver.Identifier.ValueText == original.Parameters[0].Name;
    }

    private static bool AllArgumentsSafe(IInvocationOperation invocation, KnownTypes types, Reach reach) =>
        AllArgumentsSafe(invocation.Arguments, types, reach);

    private static bool AllArgumentsSafe(System.Collections.Immutable.ImmutableArray<IArgumentOperation> arguments, KnownTypes types, Reach reach)
    {
        foreach (var argument in arguments)
        {
            if (!IsSafe(argument.Value, types, reach))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsSafeCall(IInvocationOperation invocation, KnownTypes types, Reach reach)
    {
        var method = invocation.TargetMethod;
        if (method.MethodKind == MethodKind.DelegateInvoke || !AllArgumentsSafe(invocation, types, reach) || !IsSafe(invocation.Instance, types, reach))
        {
            return false;
        }

        var original = (method.ReducedFrom ?? method).OriginalDefinition;
        if (IsLogging(original) || IsTryPattern(original) || IsTrustedFramework(original))
        {
            return true;
        }

        if (!KnownTypes.Same(original.ContainingAssembly, types.SourceAssembly))
        {
            return false;
        }

        // An async method of this compilation, started and not awaited here: it never throws to its caller.
        if (original.IsAsync)
        {
            return true;
        }

        return !types.IsAwaitable(original.ReturnType) && IsSafeBody(original, types, reach.Deeper);
    }

    /// <summary>
    /// An exception type of the framework (<c>System.TimeoutException</c>, <c>System.OperationCanceledException</c>, ...),
    /// not of this compilation, whose constructors could run anything.
    /// </summary>
    private static bool IsFrameworkException(ITypeSymbol? type, KnownTypes types)
    {
        if (type is null || KnownTypes.Same(type.ContainingAssembly, types.SourceAssembly)
            || type.ContainingNamespace?.ToDisplayString() is not { } ns || !(ns == "System" || ns.StartsWith("System.", System.StringComparison.Ordinal)))
        {
            return false;
        }

        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
        {
            if (IsSystemException(t))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A method of a type named <c>ILogger</c> or <c>...Logger</c>, an extension method on one, or a
    /// <c>[LoggerMessage]</c> method (whose generated body runs the delegate of <c>LoggerMessage.Define</c>).
    /// </summary>
    internal static bool IsLogging(IMethodSymbol method)
    {
        var type = method.IsExtensionMethod && method.Parameters.Length > 0 ? method.Parameters[0].Type : method.ContainingType;
        return (type is not null && type.Name.EndsWith("Logger", System.StringComparison.Ordinal)) || IsLoggerMessage(method);
    }

    private static bool IsLoggerMessage(IMethodSymbol method)
    {
        foreach (var attribute in (method.PartialDefinitionPart ?? method).GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "LoggerMessageAttribute" } type
                && type.ContainingNamespace?.ToDisplayString() == "Microsoft.Extensions.Logging")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>bool TryX(...)</c>: the Try pattern reports failure through its result instead of throwing.</summary>
    private static bool IsTryPattern(IMethodSymbol method) =>
        method.ReturnType.SpecialType == SpecialType.System_Boolean
        && method.Name.Length > 3 && method.Name.StartsWith("Try", System.StringComparison.Ordinal) && char.IsUpper(method.Name[3]);

    private static bool IsTrustedFramework(IMethodSymbol method)
    {
        var type = method.ContainingType;
        if (type is null)
        {
            return false;
        }

        if (type.SpecialType == SpecialType.System_String)
        {
            return method.Name is "IsNullOrEmpty" or "IsNullOrWhiteSpace";
        }

        if (type.SpecialType == SpecialType.System_Object)
        {
            return method.Name == "ReferenceEquals";
        }

        if (type.Name == "GC" && type.ContainingNamespace?.ToDisplayString() == "System")
        {
            // Keeps its argument reachable up to here; it does nothing else.
            return method.Name == "KeepAlive";
        }

        if (type.Name == "Stopwatch" && type.ContainingNamespace?.ToDisplayString() == "System.Diagnostics")
        {
            // Reads of the monotonic clock: StartNew, GetTimestamp, GetElapsedTime, Start, Stop, Restart, Reset.
            return true;
        }

        if (type.ContainingNamespace?.ToDisplayString() != "System.Threading")
        {
            return false;
        }

        // Releasing a registration or a token source never throws: Dispose of a registration waits for a running callback.
        return type.Name is "Interlocked" or "Volatile"
            || (type.Name == "CancellationTokenRegistration" && method.Name is "Dispose" or "Unregister")
            || (type.Name == "CancellationTokenSource" && method.Name == "Dispose");
    }
}
