using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

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

    /// <summary>
    /// The operations of the body of a method or local function with one declaration (its block, or its expression
    /// body); null for other syntax, or when it has none.
    /// </summary>
    public static IOperation? BodyOperation(IMethodSymbol method, Compilation compilation)
    {
        if (method.DeclaringSyntaxReferences.Length != 1)
        {
            return null;
        }

        var syntax = method.DeclaringSyntaxReferences[0].GetSyntax();
        if (syntax is not (BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax))
        {
            return null;
        }

#pragma warning disable RS1030 // The method may be in another tree; asked only for a dropped task's callees, and cached by the callers.
        var operation = compilation.GetSemanticModel(syntax.SyntaxTree).GetOperation(syntax);
#pragma warning restore RS1030
        return operation switch
        {
            IMethodBodyOperation methodBody => (IOperation?)methodBody.BlockBody ?? methodBody.ExpressionBody,
            ILocalFunctionOperation localFunction => localFunction.Body,
            _ => null,
        };
    }

    /// <summary>A lambda, anonymous method or local function.</summary>
    public static bool IsNestedFunction(SyntaxNode node) => node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax;
}
