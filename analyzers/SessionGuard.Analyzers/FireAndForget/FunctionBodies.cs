using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SessionGuard.Analyzers;

/// <summary>The syntax of one function body, without the lambdas and local functions nested in it (they run elsewhere).</summary>
internal static class FunctionBodies
{
    /// <summary>The nodes under <paramref name="body"/>, not descending into nested lambdas and local functions.</summary>
    public static IEnumerable<SyntaxNode> OwnNodes(SyntaxNode body) => body.DescendantNodes(static node => !IsNestedFunction(node));

    /// <summary>A lambda, anonymous method or local function.</summary>
    public static bool IsNestedFunction(SyntaxNode node) => node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax;
}
