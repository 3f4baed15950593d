using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SessionGuard.Analyzers;

/// <summary>
/// Methods whose task result is a task they were given, not a new one: an observer helper such as
/// <c>public static Task ObserveErrors(this Task task) { task.ContinueWith(...); return task; }</c>. The argument was
/// handed over when it was passed; the same task coming back is nothing new to observe.
/// </summary>
internal static class HandBackMethods
{
    /// <summary>Observer names that take the task as <c>this</c> in many libraries and projects, in any namespace.</summary>
    private static readonly HashSet<string> ObserverNames = new() { "Forget", "FireAndForget", "SafeFireAndForget", "ObserveErrors" };

    /// <summary>
    /// True for an extension method with a conventional observer name (<c>Forget</c>, <c>FireAndForget</c>,
    /// <c>SafeFireAndForget</c>, <c>ObserveErrors</c>) whose <c>this</c> parameter is a task.
    /// </summary>
    public static bool IsConventionalObserver(IMethodSymbol method, KnownTypes types) =>
        method.IsExtensionMethod
        && ObserverNames.Contains(method.Name)
        && method.Parameters.Length > 0
        && types.IsAwaitable(method.Parameters[0].Type);

    /// <summary>
    /// True for a method of this compilation, not async, in which every <c>return</c> (or the expression body)
    /// returns one of its own by-value task parameters unchanged. Reads syntax only; the caller caches the answer.
    /// </summary>
    public static bool ReturnsOwnTaskParameter(IMethodSymbol method, KnownTypes types)
    {
        if (method.IsAsync || method.DeclaringSyntaxReferences.IsEmpty || !types.IsAwaitable(method.ReturnType))
        {
            return false;
        }

        HashSet<string>? taskParameters = null;
        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind is RefKind.None or RefKind.In && types.IsAwaitable(parameter.Type))
            {
                (taskParameters ??= new HashSet<string>()).Add(parameter.Name);
            }
        }

        if (taskParameters is null)
        {
            return false;
        }

        bool anyReturn = false;
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            foreach (var returned in FunctionBodies.ReturnedExpressions(reference.GetSyntax()))
            {
                if (returned is null || !IsParameter(returned, taskParameters))
                {
                    return false;
                }

                anyReturn = true;
            }
        }

        return anyReturn;
    }

    /// <summary>
    /// A bare parameter name (in parentheses, or with <c>!</c>). Inside the method itself a parameter cannot be
    /// shadowed, so the name is the parameter.
    /// </summary>
    private static bool IsParameter(ExpressionSyntax expression, HashSet<string> names)
    {
        while (true)
        {
            switch (expression)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    expression = parenthesized.Expression;
                    continue;
                case PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.SuppressNullableWarningExpression):
                    expression = postfix.Operand;
                    continue;
                case IdentifierNameSyntax identifier:
                    return names.Contains(identifier.Identifier.ValueText);
                default:
                    return false;
            }
        }
    }
}
