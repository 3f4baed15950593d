using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SessionGuard.Analyzers;

/// <summary>
/// Methods that keep the task they return: <c>public Task StartLoopAsync() { _loop = RunAsync(); return _loop; }</c>
/// (or <c>=&gt; _loop = RunAsync()</c>, <c>return _loop ??= RunAsync();</c>) in a type whose <c>Dispose</c>,
/// <c>DisposeAsync</c>, <c>Stop</c>/<c>StopAsync</c> or <c>Close</c>/<c>CloseAsync</c> uses that field. The type owns
/// the task, as if the caller had stored it there; a caller that drops the returned task loses nothing. Reads syntax.
/// </summary>
internal static class KeptTaskMethods
{
    private static readonly HashSet<string> TeardownNames = new(StringComparer.Ordinal)
    {
        "Dispose", "DisposeAsync", "Stop", "StopAsync", "Close", "CloseAsync",
    };

    /// <summary>True for a method of this compilation, not async, whose every return is its type's task field, joined at teardown.</summary>
    public static bool KeepsReturnedTask(IMethodSymbol method, KnownTypes types)
    {
        if (method.IsAsync || method.IsStatic || method.ContainingType is not { } type || !types.IsAwaitable(method.ReturnType))
        {
            return false;
        }

        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in type.GetMembers())
        {
            if (member is IFieldSymbol { IsStatic: false } field && types.IsAwaitable(field.Type)
                || member is IPropertySymbol { IsStatic: false } property && types.IsAwaitable(property.Type))
            {
                fields.Add(member.Name);
            }
        }

        if (fields.Count == 0)
        {
            return false;
        }

        string? kept = null;
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            var (body, expressionBody) = reference.GetSyntax() switch
            {
                MethodDeclarationSyntax declaration => (declaration.Body, declaration.ExpressionBody),
                _ => (null, null),
            };

            if (expressionBody is not null && !Keeps(expressionBody.Expression, fields, ref kept))
            {
                return false;
            }

            if (body is null)
            {
                continue;
            }

            foreach (var node in FunctionBodies.OwnNodes(body))
            {
                if (node is ReturnStatementSyntax @return && (@return.Expression is null || !Keeps(@return.Expression, fields, ref kept)))
                {
                    return false;
                }
            }
        }

        return kept is not null && JoinedAtTeardown(type, kept);
    }

    /// <summary><c>_loop</c>, <c>this._loop</c>, <c>_loop = ...</c> or <c>_loop ??= ...</c>, the same field on every return.</summary>
    private static bool Keeps(ExpressionSyntax expression, HashSet<string> fields, ref string? kept)
    {
        while (expression is ParenthesizedExpressionSyntax parenthesized)
        {
            expression = parenthesized.Expression;
        }

        if (expression is AssignmentExpressionSyntax assignment
            && assignment.Kind() is SyntaxKind.SimpleAssignmentExpression or SyntaxKind.CoalesceAssignmentExpression)
        {
            expression = assignment.Left;
        }

        string? name = expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: IdentifierNameSyntax identifier } => identifier.Identifier.ValueText,
            _ => null,
        };

        if (name is null || !fields.Contains(name) || (kept is not null && kept != name))
        {
            return false;
        }

        kept = name;
        return true;
    }

    /// <summary>True when a teardown method of the type (Dispose, DisposeAsync, Stop, Close...) uses the field.</summary>
    private static bool JoinedAtTeardown(INamedTypeSymbol type, string field)
    {
        foreach (var member in type.GetMembers())
        {
            if (member is not IMethodSymbol method || !TeardownNames.Contains(method.Name))
            {
                continue;
            }

            foreach (var reference in method.DeclaringSyntaxReferences)
            {
                foreach (var node in reference.GetSyntax().DescendantNodes())
                {
                    if (node is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == field)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
