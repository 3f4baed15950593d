using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SessionGuard.Analyzers;

/// <summary>
/// Methods that observe the task they return before they return it:
/// <c>var task = stream.WriteAsync(...); task.ContinueWith(t =&gt; error(t.Exception), OnlyOnFaulted); return task;</c>.
/// The method attached the observer itself; a caller that drops the task loses no fault. Also counted: a method whose
/// every return is a call of such a method (<c>Task SendBytes(byte[] b) =&gt; _socket.Send(b, ...)</c>), and a method of
/// an interface of this compilation whose every implementation in this compilation is such a method (the call goes
/// through the interface). A <c>return null;</c> (no task) is allowed beside them; any other return is not.
/// </summary>
internal static class ObservedReturns
{
    /// <summary>How many calls deep the returns are followed.</summary>
    private const int MaxDepth = 4;

    /// <summary>True when <paramref name="method"/> (an original definition) observes the task it returns on every return.</summary>
    public static bool ObservesReturnedTask(IMethodSymbol method, KnownTypes types) => Observes(method, types, 0);

    private static bool Observes(IMethodSymbol method, KnownTypes types, int depth)
    {
        if (depth > MaxDepth || method.IsAsync || !types.IsAwaitable(method.ReturnType))
        {
            return false;
        }

        if (method.ContainingType is { TypeKind: TypeKind.Interface } @interface)
        {
            return method.IsAbstract && EveryImplementationObserves(method, @interface, types, depth);
        }

        if (method.IsAbstract || method.IsVirtual || method.IsOverride || method.DeclaringSyntaxReferences.IsEmpty)
        {
            return false;
        }

        bool any = false;
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            var (body, expressionBody) = reference.GetSyntax() switch
            {
                MethodDeclarationSyntax declaration => (declaration.Body, declaration.ExpressionBody),
                LocalFunctionStatementSyntax localFunction => (localFunction.Body, localFunction.ExpressionBody),
                _ => (null, null),
            };

            if (expressionBody is not null)
            {
                if (!ReturnsObserved(expressionBody.Expression, null, types, depth, ref any))
                {
                    return false;
                }
            }

            if (body is null)
            {
                continue;
            }

            foreach (var node in FunctionBodies.OwnNodes(body))
            {
                if (node is ReturnStatementSyntax @return && (@return.Expression is null || !ReturnsObserved(@return.Expression, body, types, depth, ref any)))
                {
                    return false;
                }
            }
        }

        return any;
    }

    /// <summary>
    /// <c>null</c> or <c>default</c>; a local of <paramref name="body"/> with an observing continuation attached and never
    /// reassigned; or a call of a method that observes the task it returns.
    /// </summary>
    private static bool ReturnsObserved(ExpressionSyntax expression, BlockSyntax? body, KnownTypes types, int depth, ref bool any)
    {
        while (true)
        {
            if (expression is ParenthesizedExpressionSyntax parenthesized)
            {
                expression = parenthesized.Expression;
            }
            else if (expression is PostfixUnaryExpressionSyntax postfix && postfix.IsKind(SyntaxKind.SuppressNullableWarningExpression))
            {
                expression = postfix.Operand;
            }
            else
            {
                break;
            }
        }

        switch (expression)
        {
            case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.NullLiteralExpression) || literal.IsKind(SyntaxKind.DefaultLiteralExpression):
            case DefaultExpressionSyntax:
                return true;
            case IdentifierNameSyntax identifier when body is not null && IsObservedLocal(identifier.Identifier.ValueText, body):
                any = true;
                return true;
            case InvocationExpressionSyntax invocation:
#pragma warning disable RS1030 // The callee may be in another tree; asked only for a dropped task's callee chain, and cached per method.
                var model = types.Compilation.GetSemanticModel(invocation.SyntaxTree);
#pragma warning restore RS1030
                if (model.GetSymbolInfo(invocation).Symbol is IMethodSymbol called
                    && Observes((called.ReducedFrom ?? called).OriginalDefinition, types, depth + 1))
                {
                    any = true;
                    return true;
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// A local declared in <paramref name="body"/>, never assigned again, on which the body calls
    /// <c>ContinueWith</c> with a lambda that reads its antecedent's <c>Exception</c> and may run on a fault.
    /// </summary>
    private static bool IsObservedLocal(string name, BlockSyntax body)
    {
        bool declared = false;
        bool observed = false;
        foreach (var node in FunctionBodies.OwnNodes(body))
        {
            switch (node)
            {
                case VariableDeclaratorSyntax declarator when declarator.Identifier.ValueText == name:
                    if (declared)
                    {
                        return false;
                    }

                    declared = true;
                    break;
                case AssignmentExpressionSyntax { Left: IdentifierNameSyntax target } when target.Identifier.ValueText == name:
                    return false;
                case InvocationExpressionSyntax
                {
                    Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ContinueWith", Expression: IdentifierNameSyntax receiver },
                } continuation when receiver.Identifier.ValueText == name && IsObservingContinuation(continuation.ArgumentList):
                    observed = true;
                    break;
            }
        }

        return declared && observed;
    }

    /// <summary>The first argument is a lambda reading <c>Exception</c> of its first parameter, and no option keeps it off faults.</summary>
    private static bool IsObservingContinuation(ArgumentListSyntax arguments)
    {
        if (arguments.Arguments.Count == 0)
        {
            return false;
        }

        foreach (var argument in arguments.Arguments)
        {
            foreach (var name in argument.Expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (name.Identifier.ValueText is "NotOnFaulted" or "OnlyOnRanToCompletion" or "OnlyOnCanceled")
                {
                    return false;
                }
            }
        }

        string? antecedent = arguments.Arguments[0].Expression switch
        {
            SimpleLambdaExpressionSyntax simple => simple.Parameter.Identifier.ValueText,
            ParenthesizedLambdaExpressionSyntax { ParameterList.Parameters.Count: > 0 } lambda => lambda.ParameterList.Parameters[0].Identifier.ValueText,
            AnonymousMethodExpressionSyntax { ParameterList.Parameters.Count: > 0 } method => method.ParameterList.Parameters[0].Identifier.ValueText,
            _ => null,
        };

        if (antecedent is null)
        {
            return false;
        }

        foreach (var node in arguments.Arguments[0].Expression.DescendantNodes())
        {
            if (node is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Exception", Expression: IdentifierNameSyntax target }
                && target.Identifier.ValueText == antecedent)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A method of an interface of this compilation: every class or struct of this compilation that implements it observes.</summary>
    private static bool EveryImplementationObserves(IMethodSymbol method, INamedTypeSymbol @interface, KnownTypes types, int depth)
    {
        if (@interface.IsGenericType || !KnownTypes.Same(@interface.ContainingAssembly, types.SourceAssembly))
        {
            return false;
        }

        bool any = false;
        foreach (var implementation in types.ImplementationsInSource(method))
        {
            if (implementation is null || !Observes(implementation, types, depth + 1))
            {
                return false;
            }

            any = true;
        }

        return any;
    }
}
