using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using SessionGuard.Analyzers;
using SessionGuard.Diagnostics;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace SessionGuard.CodeFixes;

/// <summary>
/// Fixes SG1001 on a dropped or discarded task: <c>await</c> it where the enclosing method is async or can become
/// <c>async Task</c> (a void method that is no override, interface implementation or event handler), or run it as a
/// session task, <c>session.Run(ct =&gt; ...)</c>, when a <c>SessionGuard.Session</c> is in scope.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FireAndForgetCodeFixProvider)), Shared]
public sealed class FireAndForgetCodeFixProvider : CodeFixProvider
{
    internal const string AwaitKey = "SG1001.Await";
    internal const string SessionRunKey = "SG1001.SessionRun";
    internal const string UnwrapKey = "SG1001.Unwrap";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticRules.FireAndForgetId, DiagnosticRules.FireAndForgetNoVisibleFaultId);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(FireAndForgetAnalyzer.KindProperty, out var kind))
            {
                continue;
            }

            if (kind == FireAndForgetAnalyzer.KindInnerTask)
            {
                var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                var producer = node is AwaitExpressionSyntax awaitExpression ? awaitExpression.Expression : node as ExpressionSyntax;
                if (producer is InvocationExpressionSyntax)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create("Unwrap the inner task", ct => UnwrapAsync(context.Document, producer, ct), UnwrapKey),
                        diagnostic);
                }

                continue;
            }

            if (kind is not (FireAndForgetAnalyzer.KindStatement or FireAndForgetAnalyzer.KindDiscard))
            {
                continue;
            }

            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax expression
                || expression.FirstAncestorOrSelf<ExpressionStatementSyntax>() is not { } statement
                || expression is ConditionalAccessExpressionSyntax)
            {
                continue;
            }

            var type = model.GetTypeInfo(expression, context.CancellationToken).Type;
            var function = EnclosingFunction(statement);
            if (function is not null && CanAwaitIn(function, model, context.CancellationToken))
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Await the task", ct => AddAwaitAsync(context.Document, statement, expression, function, ct), AwaitKey),
                    diagnostic);
            }

            if (expression is InvocationExpressionSyntax && FindSession(model, statement, context.CancellationToken) is { } session
                && type is not null && type.Name is "Task" or "ValueTask")
            {
                context.RegisterCodeFix(
                    CodeAction.Create($"Run it as a session task ({session}.Run)", ct => RunInSessionAsync(context.Document, statement, expression, session, type.Name == "ValueTask", ct), SessionRunKey),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> UnwrapAsync(Document document, ExpressionSyntax producer, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var unwrapped = InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, producer.WithoutTrivia(), IdentifierName("Unwrap")))
            .WithTriviaFrom(producer);
        return document.WithSyntaxRoot(root.ReplaceNode(producer, unwrapped));
    }

    private static SyntaxNode? EnclosingFunction(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case MethodDeclarationSyntax:
                case LocalFunctionStatementSyntax:
                case AnonymousFunctionExpressionSyntax:
                    return ancestor;
                case AccessorDeclarationSyntax:
                case ConstructorDeclarationSyntax:
                case DestructorDeclarationSyntax:
                case OperatorDeclarationSyntax:
                case ConversionOperatorDeclarationSyntax:
                case PropertyDeclarationSyntax:
                case IndexerDeclarationSyntax:
                    return null;
            }
        }

        return null;
    }

    private static bool CanAwaitIn(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken)
    {
        if (function is AnonymousFunctionExpressionSyntax lambda)
        {
            // An async lambda stays async; a void lambda made async would be async void (SG1003).
            return lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
        }

        var modifiers = function switch
        {
            MethodDeclarationSyntax method => method.Modifiers,
            LocalFunctionStatementSyntax localFunction => localFunction.Modifiers,
            _ => default,
        };
        if (modifiers.Any(SyntaxKind.AsyncKeyword))
        {
            return true;
        }

        var symbol = model.GetDeclaredSymbol(function, cancellationToken) as IMethodSymbol;
        if (symbol is null || !symbol.ReturnsVoid || symbol.IsOverride || symbol.IsAbstract || !symbol.ExplicitInterfaceImplementations.IsEmpty
            || symbol.Parameters.Any(p => p.RefKind != RefKind.None) || IsEventHandlerShaped(symbol) || ImplementsInterface(symbol))
        {
            return false;
        }

        return true;
    }

    private static bool IsEventHandlerShaped(IMethodSymbol method) =>
        method.Parameters.Length == 2 && method.Parameters[0].Type.SpecialType == SpecialType.System_Object;

    private static bool ImplementsInterface(IMethodSymbol method)
    {
        var type = method.ContainingType;
        if (type is null)
        {
            return false;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static async Task<Document> AddAwaitAsync(Document document, ExpressionStatementSyntax statement, ExpressionSyntax expression, SyntaxNode function, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var awaited = AwaitExpression(expression.WithoutTrivia().WithLeadingTrivia(Space));
        var newStatement = statement.WithExpression(awaited.WithLeadingTrivia(statement.Expression.GetLeadingTrivia())).WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
        var newFunction = function.ReplaceNode(statement, newStatement);
        newFunction = MakeAsync(newFunction);
        var newRoot = root.ReplaceNode(function, newFunction);
        return document.WithSyntaxRoot(newRoot);
    }

    private static SyntaxNode MakeAsync(SyntaxNode function)
    {
        var task = ParseTypeName("global::System.Threading.Tasks.Task").WithAdditionalAnnotations(Simplifier.Annotation);
        switch (function)
        {
            case MethodDeclarationSyntax method when !method.Modifiers.Any(SyntaxKind.AsyncKeyword):
                return method.Modifiers.Count == 0
                    ? method.WithReturnType(task.WithTrailingTrivia(method.ReturnType.GetTrailingTrivia()))
                        .WithModifiers(TokenList(Token(SyntaxKind.AsyncKeyword).WithLeadingTrivia(method.ReturnType.GetLeadingTrivia()).WithTrailingTrivia(Space)))
                    : method.WithModifiers(method.Modifiers.Add(Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(Space)))
                        .WithReturnType(task.WithTriviaFrom(method.ReturnType));
            case LocalFunctionStatementSyntax localFunction when !localFunction.Modifiers.Any(SyntaxKind.AsyncKeyword):
                return localFunction.Modifiers.Count == 0
                    ? localFunction.WithReturnType(task.WithTrailingTrivia(localFunction.ReturnType.GetTrailingTrivia()))
                        .WithModifiers(TokenList(Token(SyntaxKind.AsyncKeyword).WithLeadingTrivia(localFunction.ReturnType.GetLeadingTrivia()).WithTrailingTrivia(Space)))
                    : localFunction.WithModifiers(localFunction.Modifiers.Add(Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(Space)))
                        .WithReturnType(task.WithTriviaFrom(localFunction.ReturnType));
            default:
                return function;
        }
    }

    private static string? FindSession(SemanticModel model, SyntaxNode at, CancellationToken cancellationToken)
    {
        var sessionType = model.Compilation.GetTypeByMetadataName("SessionGuard.Session");
        if (sessionType is null)
        {
            return null;
        }

        string? member = null;
        foreach (var symbol in model.LookupSymbols(at.SpanStart))
        {
            var type = symbol switch
            {
                ILocalSymbol local => local.Type,
                IParameterSymbol parameter => parameter.Type,
                IFieldSymbol field => field.Type,
                IPropertySymbol property => property.Type,
                _ => null,
            };
            if (SymbolEqualityComparer.Default.Equals(type, sessionType))
            {
                // A local declared after this statement is in scope by name but not usable yet.
                if (symbol is ILocalSymbol && symbol.Locations.FirstOrDefault() is { } declared && declared.SourceSpan.Start > at.SpanStart)
                {
                    continue;
                }

                // Prefer the session a local or parameter names over one in a field or property.
                if (symbol is ILocalSymbol or IParameterSymbol)
                {
                    return symbol.Name;
                }

                member ??= symbol.Name;
            }
        }

        return member;
    }

    private static async Task<Document> RunInSessionAsync(Document document, ExpressionStatementSyntax statement, ExpressionSyntax expression, string session, bool isValueTask, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        string tokenName = model.LookupSymbols(statement.SpanStart, name: "ct").IsEmpty ? "ct" : "sessionCt";
        ExpressionSyntax body = expression;

        // Hand the session's token to the call in place of the one it was given.
        if (expression is InvocationExpressionSyntax invocation)
        {
            var cancellationTokenType = model.Compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
            var replacements = invocation.ArgumentList.Arguments
                .Where(a => SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(a.Expression, cancellationToken).Type, cancellationTokenType))
                .ToList();
            if (replacements.Count > 0)
            {
                body = invocation.ReplaceNodes(replacements, (original, _) => original.WithExpression(IdentifierName(tokenName).WithTriviaFrom(original.Expression)));
            }
        }

        body = body.WithoutTrivia();
        if (isValueTask)
        {
            body = InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, body, IdentifierName("AsTask")));
        }

        var lambda = SimpleLambdaExpression(Parameter(Identifier(tokenName)), body);
        var run = InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(session), IdentifierName("Run")),
            ArgumentList(SingletonSeparatedList(Argument(lambda))));
        // In an async function a dropped Task draws the compiler's CS4014: discard the (session-owned) task explicitly.
        ExpressionSyntax replacement = IsInAsyncFunction(statement)
            ? AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName("_"), run)
            : run;
        var newStatement = statement.WithExpression(replacement.WithTriviaFrom(statement.Expression)).WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
        return document.WithSyntaxRoot(root.ReplaceNode(statement, newStatement));
    }

    private static bool IsInAsyncFunction(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case AnonymousFunctionExpressionSyntax lambda:
                    return lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
                case LocalFunctionStatementSyntax local:
                    return local.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case MethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case BaseMethodDeclarationSyntax or AccessorDeclarationSyntax:
                    return false;
            }
        }

        return false;
    }
}
