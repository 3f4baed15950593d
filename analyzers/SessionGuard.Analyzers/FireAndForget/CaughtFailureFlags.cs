using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SessionGuard.Analyzers;

/// <summary>
/// The try/catch shape a may-analysis cannot see through on its own:
/// <code>
/// ValueTask&lt;int&gt; pending = default;
/// Exception? failure = null;
/// try { pending = ReleaseAsync(); } catch (Exception ex) { failure = ex; }
/// if (failure is not null) { return; } // pending was never assigned on this path
/// </code>
/// A local that starts null, declared before the <c>try</c> in the same block, and given the caught exception in a
/// catch clause of that <c>try</c>, is non-null right after the <c>try</c> only when the <c>try</c> threw. When the
/// task's assignment is the last statement of the <c>try</c> block, the assignment then never completed. Any other
/// write makes the local say nothing more; <see cref="TaskFlowGraphAnalysis"/> follows those writes along the paths
/// and uses the local's null check only where no such write can have happened. Reads syntax and symbols.
/// </summary>
internal static class CaughtFailureFlags
{
    /// <summary>
    /// The locals whose being non-null (while only their declaration and <paramref name="stores"/> wrote them) says
    /// that <paramref name="assignment"/> never completed; null for any other shape. <paramref name="stores"/> gets
    /// the catch clauses' assignments of the caught exception.
    /// </summary>
    public static List<ILocalSymbol>? For(SyntaxNode assignment, SemanticModel model, HashSet<SyntaxNode> stores)
    {
        if (assignment is not AssignmentExpressionSyntax
            || assignment.Parent is not ExpressionStatementSyntax statement
            || statement.Parent is not BlockSyntax { Parent: TryStatementSyntax @try } block
            || block != @try.Block
            || block.Statements[block.Statements.Count - 1] != statement
            || @try.Parent is not BlockSyntax outer)
        {
            return null;
        }

        List<ILocalSymbol>? flags = null;
        foreach (var @catch in @try.Catches)
        {
            if (@catch.Declaration is not { } declaration || declaration.Identifier.IsKind(SyntaxKind.None)
                || model.GetDeclaredSymbol(declaration) is not ILocalSymbol caught)
            {
                continue;
            }

            foreach (var node in FunctionBodies.OwnNodes(@catch.Block))
            {
                if (node is AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } store
                    && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(store.Right).Symbol, caught)
                    && model.GetSymbolInfo(store.Left).Symbol is ILocalSymbol flag
                    && IsFlag(flag, @try, outer, model))
                {
                    stores.Add(store);
                    if (flags is null || !flags.Exists(f => SymbolEqualityComparer.Default.Equals(f, flag)))
                    {
                        (flags ??= new()).Add(flag);
                    }
                }
            }
        }

        return flags;
    }

    /// <summary>
    /// True when <paramref name="flag"/> is declared with a null initializer in <paramref name="outer"/> before
    /// <paramref name="try"/>, never passed by <c>ref</c> or <c>out</c> and never written by a lambda or local function
    /// (those run at times the flow analysis does not see), nor in a finally clause.
    /// </summary>
    private static bool IsFlag(ILocalSymbol flag, TryStatementSyntax @try, BlockSyntax outer, SemanticModel model)
    {
        if (flag.DeclaringSyntaxReferences.Length != 1
            || flag.DeclaringSyntaxReferences[0].GetSyntax() is not VariableDeclaratorSyntax declarator
            || declarator.Initializer?.Value is not { } initial
            || !IsNull(initial)
            || declarator.Parent?.Parent is not LocalDeclarationStatementSyntax declaration
            || declaration.Parent != outer
            || declaration.SpanStart > @try.SpanStart)
        {
            return false;
        }

        foreach (var node in outer.DescendantNodes())
        {
            switch (node)
            {
                case AssignmentExpressionSyntax store when IsOutOfFlow(store, outer)
                    && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(store.Left).Symbol, flag):
                    return false;
                case ArgumentSyntax { RefKindKeyword.RawKind: not (int)SyntaxKind.None } argument
                    when SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(argument.Expression).Symbol, flag):
                    return false;
            }
        }

        return true;
    }

    private static bool IsNull(ExpressionSyntax value) =>
        value.IsKind(SyntaxKind.NullLiteralExpression) || value.IsKind(SyntaxKind.DefaultLiteralExpression) || value is DefaultExpressionSyntax;

    /// <summary>
    /// True when a lambda or local function (which run at times the flow analysis does not see) or a finally clause
    /// (which it does not enter) sits between <paramref name="node"/> and <paramref name="outer"/>.
    /// </summary>
    private static bool IsOutOfFlow(SyntaxNode node, SyntaxNode outer)
    {
        for (var ancestor = node.Parent; ancestor is not null && ancestor != outer; ancestor = ancestor.Parent)
        {
            if (FunctionBodies.IsNestedFunction(ancestor) || ancestor is FinallyClauseSyntax)
            {
                return true;
            }
        }

        return false;
    }
}
