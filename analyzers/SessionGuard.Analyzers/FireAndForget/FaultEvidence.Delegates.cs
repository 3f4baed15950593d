using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>The delegates <see cref="FaultEvidence"/> reads: lambdas, method groups, bound parameters, readonly fields.</summary>
internal sealed partial class FaultEvidence
{
    /// <summary>
    /// The delegates a runner (<c>Task.Run</c>, <c>StartNew</c>, <c>new Task</c>) or a continuation runs: the arguments
    /// of delegate type.
    /// </summary>
    private bool RunsEvidence(ImmutableArray<IArgumentOperation> arguments, int depth)
    {
        foreach (var argument in arguments)
        {
            if (argument.Parameter?.Type.TypeKind == TypeKind.Delegate && DelegateEvidence(argument.Value, depth))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A delegate value that is run: a lambda or a method of this compilation is read (a parameter bound to one at the
    /// call, a <c>readonly</c> field initialized with one and assigned nowhere else); any other delegate value is code
    /// the analyzer cannot see.
    /// </summary>
    private bool DelegateEvidence(IOperation? value, int depth)
    {
        // The delegate type run, before a cast strips it: CreateDelegate returns a plain Delegate.
        var delegateType = value?.Type as INamedTypeSymbol;
        value = value is null ? null : TaskOperations.Unwrap(value);
        if (value is IParameterReferenceOperation parameter && _bindings.TryGetValue(parameter.Parameter.OriginalDefinition, out var bound))
        {
            value = bound;
        }
        else if (value is IFieldReferenceOperation { Field: { IsReadOnly: true } field } && !IsAssignedInConstructor(field.OriginalDefinition)
                 && ContinuationObservers.FieldInitializer(field.OriginalDefinition, _types) is { } initializer)
        {
            value = TaskOperations.Unwrap(initializer);
        }
        else if (value is IFieldReferenceOperation { Field: { IsReadOnly: false, DeclaredAccessibility: Accessibility.Private } privateField }
                 && PrivateFieldValues(privateField.OriginalDefinition) is { } values)
        {
            return AnyDelegateEvidence(privateField.OriginalDefinition, values, depth);
        }

        if (value is IDelegateCreationOperation creation)
        {
            value = creation.Target;
        }

        switch (value)
        {
            case IAnonymousFunctionOperation lambda:
                if (!_readingLambdas.Add(lambda.Syntax))
                {
                    // () => action() bound to action, or a field's lambda that runs the field again.
                    _cutShort = true;
                    return false;
                }

                try
                {
                    return Body(lambda.Body, depth, returnsWork: !lambda.Symbol.IsAsync && _types.IsAwaitable(lambda.Symbol.ReturnType));
                }
                finally
                {
                    _readingLambdas.Remove(lambda.Syntax);
                }

            case IMethodReferenceOperation reference:
                var method = Implementation(reference.Method.OriginalDefinition);
                if (!IsReadable(method))
                {
                    return Found(Unread(method), reference);
                }

                if (depth + 1 > MaxDepth)
                {
                    _cutShort = true;
                    return Found($"'{Name(method)}', more than {MaxDepth} methods deep", reference);
                }

                return Method(method, depth + 1, null);
            case IInvocationOperation made when IsFrameworkMade(made):
                // LoggerMessage.Define(...), MethodInfo.CreateDelegate(...): the framework's code, not the user's. Run
                // synchronously it is a call of another assembly; only the task it returns is work nobody can read.
                return (delegateType ?? made.Type as INamedTypeSymbol) is { DelegateInvokeMethod: { } invoke } && _types.IsAwaitable(invoke.ReturnType)
                    && Found($"the delegate '{Text(made)}', made by another assembly", made);
            case null:
                return true;
            default:
                return Found($"the delegate '{Text(value)}', code the analyzer cannot see", value);
        }
    }

    /// <summary>
    /// The lambdas and method groups a call passes for its delegate parameters, added to the delegates bound further
    /// out (a lambda handed on as <c>() =&gt; f()</c> still reads <c>f</c>'s).
    /// </summary>
    private Dictionary<IParameterSymbol, IOperation>? BindingsFor(IInvocationOperation invocation)
    {
        Dictionary<IParameterSymbol, IOperation>? bindings = null;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is not { Type.TypeKind: TypeKind.Delegate } parameter)
            {
                continue;
            }

            var value = TaskOperations.Unwrap(argument.Value);
            if (value is IParameterReferenceOperation outer && _bindings.TryGetValue(outer.Parameter.OriginalDefinition, out var bound))
            {
                value = bound;
            }

            if (value is IDelegateCreationOperation)
            {
                bindings ??= new Dictionary<IParameterSymbol, IOperation>(_bindings, SymbolEqualityComparer.Default);
                bindings[parameter.OriginalDefinition] = value;
            }
        }

        return bindings;
    }

    /// <summary>
    /// A delegate made by a method of another assembly from no delegate of the caller's: <c>LoggerMessage.Define</c>,
    /// <c>MethodInfo.CreateDelegate</c>. One given delegates (<c>Delegate.Combine</c>) may run them.
    /// </summary>
    private bool IsFrameworkMade(IInvocationOperation invocation)
    {
        if (KnownTypes.Same(invocation.TargetMethod.ContainingAssembly, _types.SourceAssembly))
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Value.Type is { } type
                && (type.TypeKind == TypeKind.Delegate || type.SpecialType is SpecialType.System_Delegate or SpecialType.System_MulticastDelegate))
            {
                return false;
            }
        }

        return invocation.Instance?.Type?.TypeKind != TypeKind.Delegate;
    }

    /// <summary>A private delegate field run: evidence in any value its type assigns to it.</summary>
    private bool AnyDelegateEvidence(IFieldSymbol field, List<IOperation> values, int depth)
    {
        if (!_reading.Add(field))
        {
            _cutShort = true;
            return false;
        }

        try
        {
            foreach (var value in values)
            {
                if (DelegateEvidence(value, depth))
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            _reading.Remove(field);
        }
    }

    /// <summary>
    /// Every value a private, non-<c>readonly</c> field is given: its initializer and each assignment (<c>=</c>,
    /// <c>+=</c>, <c>??=</c>) in its type. Null when the field is never given one, or is passed by <c>ref</c> or
    /// <c>out</c> (an <c>Interlocked.Exchange</c>), whose value the walk does not follow.
    /// </summary>
    private List<IOperation>? PrivateFieldValues(IFieldSymbol field)
    {
        if (field.ContainingType is not { } type)
        {
            return null;
        }

        var values = new List<IOperation>();
        foreach (var reference in field.DeclaringSyntaxReferences)
        {
            if ((reference.GetSyntax() as VariableDeclaratorSyntax)?.Initializer?.Value is { } initializer && !AddValue(values, initializer))
            {
                return null;
            }
        }

        foreach (var declaration in type.DeclaringSyntaxReferences)
        {
            foreach (var node in declaration.GetSyntax().DescendantNodes())
            {
                if (node is AssignmentExpressionSyntax assignment && NamesField(assignment.Left, field.Name)
                    && (assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) || assignment.IsKind(SyntaxKind.AddAssignmentExpression)
                        || assignment.IsKind(SyntaxKind.CoalesceAssignmentExpression)))
                {
                    if (!AddValue(values, assignment.Right))
                    {
                        return null;
                    }
                }
                else if (node is ArgumentSyntax { RefKindKeyword.RawKind: not 0 } argument && NamesField(argument.Expression, field.Name))
                {
                    return null;
                }
            }
        }

        return values.Count == 0 ? null : values;
    }

    private bool AddValue(List<IOperation> values, ExpressionSyntax syntax)
    {
        while (syntax is PostfixUnaryExpressionSyntax suppression && suppression.IsKind(SyntaxKind.SuppressNullableWarningExpression))
        {
            syntax = suppression.Operand;
        }

        if (syntax.IsKind(SyntaxKind.NullLiteralExpression) || syntax.IsKind(SyntaxKind.DefaultLiteralExpression))
        {
            // No delegate yet: the field runs only what is assigned later.
            return true;
        }

#pragma warning disable RS1030 // A private field's type may span trees; asked only for a dropped task's delegate.
        var value = _types.Compilation.GetSemanticModel(syntax.SyntaxTree).GetOperation(syntax);
#pragma warning restore RS1030
        if (value is null)
        {
            return false;
        }

        // Kept with its conversion: the field's delegate type is what runs.
        values.Add(value);
        return true;
    }

    /// <summary>A delegate's source text as the message names it, shortened.</summary>
    private static string Text(IOperation value)
    {
        string text = value.Syntax.ToString();
        return text.Length <= 40 ? text : text.Substring(0, 37) + "...";
    }

    /// <summary>A <c>readonly</c> field that a constructor of its type assigns: its initializer is not its only value.</summary>
    private static bool IsAssignedInConstructor(IFieldSymbol field)
    {
        if (field.ContainingType is not { } type)
        {
            return true;
        }

        foreach (var constructor in field.IsStatic ? type.StaticConstructors : type.InstanceConstructors)
        {
            foreach (var reference in constructor.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is not ConstructorDeclarationSyntax syntax)
                {
                    continue;
                }

                foreach (var node in syntax.DescendantNodes())
                {
                    if (node is AssignmentExpressionSyntax assignment && NamesField(assignment.Left, field.Name))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static bool NamesField(ExpressionSyntax target, string name) => target switch
    {
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText == name,
        MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: IdentifierNameSyntax identifier } => identifier.Identifier.ValueText == name,
        _ => false,
    };
}
