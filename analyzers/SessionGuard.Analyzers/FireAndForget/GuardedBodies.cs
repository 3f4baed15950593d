using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// Bodies that observe their own faults: wholly <c>try { ... } catch (Exception) { log; }</c> with no rethrow (or a
/// sequence of such statements, after declarations of locals that cannot throw), possibly inside a loop that can end (a condition other than <c>true</c>, a <c>foreach</c>, or a <c>break</c>/<c>return</c>).
/// Such work is a hand-written <c>Forget(logger)</c>: its task never faults. Not guarded: a catch that rethrows, a
/// catch that awaits something outside its own catch-all, a <c>while (true)</c> with no way out. Reads syntax only.
/// </summary>
internal static class GuardedBodies
{
    /// <summary>True when the lambda's body is guarded (an async lambda, or one that returns nothing).</summary>
    public static bool IsGuardedLambda(IAnonymousFunctionOperation lambda) =>
        (lambda.Symbol.IsAsync || lambda.Symbol.ReturnsVoid)
        && lambda.Syntax is AnonymousFunctionExpressionSyntax { Block: { } block }
        && IsGuardedBlock(block, lambda.Symbol.ContainingType);

    /// <summary>
    /// True for a method or local function of this compilation, async or returning nothing, whose body is guarded.
    /// A non-async method's <c>try</c> only catches what is thrown before its task is returned, so it does not count.
    /// </summary>
    public static bool IsGuardedMethod(IMethodSymbol method)
    {
        if (!(method.IsAsync || method.ReturnsVoid) || method.DeclaringSyntaxReferences.IsEmpty)
        {
            return false;
        }

        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (BlockBodyOf(reference) is { } block)
            {
                return IsGuardedBlock(block, method.ContainingType);
            }
        }

        return false;
    }

    /// <summary>The block body of a method or local function declaration; null for an expression body or other syntax.</summary>
    private static BlockSyntax? BlockBodyOf(SyntaxReference reference) => reference.GetSyntax() switch
    {
        BaseMethodDeclarationSyntax declaration => declaration.Body,
        LocalFunctionStatementSyntax localFunction => localFunction.Body,
        _ => null,
    };

    /// <summary>
    /// A block whose statements are all guarded, apart from declarations of locals and assignments that cannot throw
    /// (<see cref="IsInertDeclaration"/>, <see cref="IsInertAssignment"/>), with at least one guarded statement.
    /// </summary>
    private static bool IsGuardedBlock(BlockSyntax block, INamedTypeSymbol? type)
    {
        bool guarded = false;
        foreach (var statement in block.Statements)
        {
            if (IsInertDeclaration(statement) || IsInertAssignment(statement, type))
            {
                continue;
            }

            if (!IsGuardedStatement(statement, type))
            {
                return false;
            }

            guarded = true;
        }

        return guarded;
    }

    /// <summary>
    /// <c>Running = true;</c> or <c>this._count = 0;</c>: a constant (<c>null</c>, <c>default</c> or a literal) stored
    /// into a field or a non-virtual auto-property of <paramref name="type"/> or its base types, of a built-in type
    /// unless the constant is <c>null</c> or <c>default</c>. No setter code or user-defined conversion runs.
    /// </summary>
    private static bool IsInertAssignment(StatementSyntax statement, INamedTypeSymbol? type)
    {
        if (type is null
            || statement is not ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assignment })
        {
            return false;
        }

        var target = assignment.Left switch
        {
            IdentifierNameSyntax name => name,
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: IdentifierNameSyntax name } => name,
            _ => null,
        };

        bool nullOrDefault = assignment.Right is DefaultExpressionSyntax
            || assignment.Right.IsKind(SyntaxKind.NullLiteralExpression) || assignment.Right.IsKind(SyntaxKind.DefaultLiteralExpression);
        if (target is null || !(nullOrDefault || assignment.Right is LiteralExpressionSyntax))
        {
            return false;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers(target.Identifier.ValueText))
            {
                var memberType = member switch
                {
                    IFieldSymbol field => field.Type,
                    IPropertySymbol property when IsAutoProperty(property) => property.Type,
                    _ => null,
                };

                return memberType is not null && (nullOrDefault || memberType.SpecialType != SpecialType.None);
            }
        }

        return false;
    }

    /// <summary>A property with a compiler-made backing field that no override can replace.</summary>
    internal static bool IsAutoProperty(IPropertySymbol property)
    {
        if (property.IsVirtual || property.IsOverride || property.IsAbstract)
        {
            return false;
        }

        foreach (var member in property.ContainingType.GetMembers())
        {
            if (member is IFieldSymbol { AssociatedSymbol: { } associated } && KnownTypes.Same(associated, property))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>Exception? error = null;</c>, <c>bool taken = false;</c>, <c>var count = 0;</c>: a local declaration (no
    /// <c>using</c>) whose every initializer is <c>null</c>, <c>default</c> or a literal, a literal only for
    /// <c>var</c> or a built-in type (no user-defined conversion runs), or <c>parameter as T</c> declared <c>var</c> or
    /// <c>T</c>, or a <c>const</c>. Such a declaration cannot throw.
    /// </summary>
    private static bool IsInertDeclaration(StatementSyntax statement)
    {
        if (statement is not LocalDeclarationStatementSyntax { UsingKeyword.RawKind: (int)SyntaxKind.None } declaration)
        {
            return false;
        }

        if (declaration.IsConst)
        {
            return true;
        }

        var type = declaration.Declaration.Type is NullableTypeSyntax nullable ? nullable.ElementType : declaration.Declaration.Type;
        bool builtIn = type is PredefinedTypeSyntax || type.IsVar;
        foreach (var variable in declaration.Declaration.Variables)
        {
            var value = variable.Initializer?.Value;
            bool inert = value switch
            {
                null => true,
                LiteralExpressionSyntax literal => builtIn
                    || literal.IsKind(SyntaxKind.NullLiteralExpression) || literal.IsKind(SyntaxKind.DefaultLiteralExpression),
                DefaultExpressionSyntax => true,
                // var promise = state as TaskCompletionSource<int>;: an 'as' of a parameter yields null, it never throws.
                // Declared var or as the same type, so no user-defined conversion runs.
                BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AsExpression, Left: IdentifierNameSyntax operand, Right: var asType } =>
                    (type.IsVar || type.ToString() == asType.ToString()) && IsParameterOfEnclosingFunction(operand, declaration),
                _ => false,
            };

            if (!inert)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when <paramref name="name"/> names a parameter of the method, local function or lambda around
    /// <paramref name="node"/>: a local of that body cannot share a parameter's name, so the name is the parameter.
    /// </summary>
    private static bool IsParameterOfEnclosingFunction(IdentifierNameSyntax name, SyntaxNode node)
    {
        var parameters = node.FirstAncestorOrSelf<SyntaxNode>(static n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax) switch
        {
            BaseMethodDeclarationSyntax method => method.ParameterList.Parameters,
            LocalFunctionStatementSyntax localFunction => localFunction.ParameterList.Parameters,
            ParenthesizedLambdaExpressionSyntax lambda => lambda.ParameterList.Parameters,
            SimpleLambdaExpressionSyntax lambda => SyntaxFactory.SingletonSeparatedList(lambda.Parameter),
            AnonymousMethodExpressionSyntax { ParameterList: { } list } => list.Parameters,
            _ => default,
        };

        foreach (var parameter in parameters)
        {
            if (parameter.Identifier.ValueText == name.Identifier.ValueText)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsGuardedStatement(StatementSyntax statement, INamedTypeSymbol? type)
    {
        switch (statement)
        {
            case BlockSyntax block:
                return IsGuardedBlock(block, type);
            case TryStatementSyntax @try:
                return IsGuardedTry(@try) && !HasEndlessLoop(@try.Block);
            case WhileStatementSyntax @while:
                return CanEnd(@while.Condition, @while.Statement) && IsGuardedStatement(@while.Statement, type);
            case DoStatementSyntax @do:
                return CanEnd(@do.Condition, @do.Statement) && IsGuardedStatement(@do.Statement, type);
            case ForStatementSyntax @for:
                return CanEnd(@for.Condition, @for.Statement) && IsGuardedStatement(@for.Statement, type);
            case CommonForEachStatementSyntax forEach:
                return IsGuardedStatement(forEach.Statement, type);
            default:
                return false;
        }
    }

    /// <summary>
    /// True when the body of <paramref name="method"/> (outside nested functions) holds a guarded try
    /// (<see cref="IsGuardedTry"/>): a method written to observe its own faults, whatever else it does.
    /// </summary>
    public static bool HasGuardedTry(IMethodSymbol method)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (BlockBodyOf(reference) is not { } body)
            {
                continue;
            }

            foreach (var node in FunctionBodies.OwnNodes(body))
            {
                if (node is TryStatementSyntax @try && IsGuardedTry(@try))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// A try with a catch-all (<c>catch</c>, <c>catch (Exception)</c> or <c>catch (System.Exception)</c>, no filter)
    /// where no catch rethrows a fault or awaits outside a nested guarded try. A catch of
    /// <c>OperationCanceledException</c> may rethrow: that ends the task as canceled, not faulted.
    /// </summary>
    private static bool IsGuardedTry(TryStatementSyntax @try)
    {
        bool catchAll = false;
        foreach (var clause in @try.Catches)
        {
            string? type = clause.Declaration?.Type is { } t ? t.ToString() : null;
            bool cancellation = type is "OperationCanceledException" or "System.OperationCanceledException"
                or "TaskCanceledException" or "System.Threading.Tasks.TaskCanceledException";
            if (!cancellation && (Throws(clause.Block) || AwaitsUnguarded(clause.Block)))
            {
                return false;
            }

            if (clause.Filter is null && (type is null or "Exception" or "System.Exception"))
            {
                catchAll = true;
            }
        }

        return catchAll;
    }

    /// <summary>A loop can end when its condition is not the constant <c>true</c>, or when its body breaks out or returns.</summary>
    private static bool CanEnd(ExpressionSyntax? condition, StatementSyntax body) =>
        (condition is not null && !condition.IsKind(SyntaxKind.TrueLiteralExpression)) || Exits(body);

    private static bool Exits(SyntaxNode body)
    {
        foreach (var node in body.DescendantNodesAndSelf(static n => !FunctionBodies.IsNestedFunction(n) && !IsNestedLoopOrSwitch(n)))
        {
            if (node is ReturnStatementSyntax or BreakStatementSyntax or YieldStatementSyntax { RawKind: (int)SyntaxKind.YieldBreakStatement })
            {
                return true;
            }
        }

        // return also leaves through nested loops and switches.
        foreach (var node in FunctionBodies.OwnNodes(body))
        {
            if (node is ReturnStatementSyntax)
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasEndlessLoop(SyntaxNode body)
    {
        foreach (var node in FunctionBodies.OwnNodes(body))
        {
            bool endless = node switch
            {
                WhileStatementSyntax @while => !CanEnd(@while.Condition, @while.Statement),
                DoStatementSyntax @do => !CanEnd(@do.Condition, @do.Statement),
                ForStatementSyntax @for => !CanEnd(@for.Condition, @for.Statement),
                _ => false,
            };

            if (endless)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Throws(SyntaxNode block)
    {
        foreach (var node in FunctionBodies.OwnNodes(block))
        {
            if (node is ThrowStatementSyntax or ThrowExpressionSyntax)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An await in a catch block that no guarded try of the same block wraps: what it awaits can fail.</summary>
    private static bool AwaitsUnguarded(SyntaxNode block)
    {
        foreach (var node in block.DescendantNodes(static n => !FunctionBodies.IsNestedFunction(n) && !(n is TryStatementSyntax t && IsGuardedTry(t))))
        {
            if (node is AwaitExpressionSyntax
                || (node is CommonForEachStatementSyntax forEach && forEach.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword))
                || (node is UsingStatementSyntax @using && @using.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsNestedLoopOrSwitch(SyntaxNode node) =>
        node is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax or SwitchStatementSyntax;
}
