using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SessionGuard.Analyzers;

/// <summary>The syntax of one function body, without the lambdas and local functions nested in it (they run elsewhere).</summary>
internal static class FunctionBodies
{
    /// <summary>The nodes under <paramref name="body"/>, not descending into nested lambdas and local functions.</summary>
    public static IEnumerable<SyntaxNode> OwnNodes(SyntaxNode body) => body.DescendantNodes(static node => !IsNestedFunction(node));

    /// <summary>
    /// What a method or local function declaration returns in its own body (not in the lambdas and local functions nested
    /// in it): its expression body's expression, or each <c>return</c>'s expression (null for a bare <c>return;</c>).
    /// Nothing for other syntax.
    /// </summary>
    public static IEnumerable<ExpressionSyntax?> ReturnedExpressions(SyntaxNode declaration)
    {
        var (body, expressionBody) = declaration switch
        {
            BaseMethodDeclarationSyntax method => (method.Body, method.ExpressionBody),
            LocalFunctionStatementSyntax localFunction => (localFunction.Body, localFunction.ExpressionBody),
            _ => (null, null),
        };

        if (expressionBody is not null)
        {
            yield return expressionBody.Expression;
            yield break;
        }

        if (body is null)
        {
            yield break;
        }

        foreach (var node in OwnNodes(body))
        {
            if (node is ReturnStatementSyntax @return)
            {
                yield return @return.Expression;
            }
        }
    }

    /// <summary>A lambda, anonymous method or local function.</summary>
    public static bool IsNestedFunction(SyntaxNode node) => node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax;
}
