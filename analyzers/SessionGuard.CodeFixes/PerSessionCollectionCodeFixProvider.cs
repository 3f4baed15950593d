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
/// Fixes SG2001: marks the collection <c>[SessionScoped]</c> and makes its type (and every containing type)
/// <c>partial</c>, so that the SessionGuard generator removes a session's entries when the session ends.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PerSessionCollectionCodeFixProvider)), Shared]
public sealed class PerSessionCollectionCodeFixProvider : CodeFixProvider
{
    internal const string Key = "SG2001.SessionScoped";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticRules.PerSessionCollectionId);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent;
            SyntaxNode? member = node?.FirstAncestorOrSelf<FieldDeclarationSyntax>() ?? (SyntaxNode?)node?.FirstAncestorOrSelf<PropertyDeclarationSyntax>();
            if (member is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create("Mark it [SessionScoped]", ct => FixAsync(context.Document, member, ct), Key),
                diagnostic);
        }
    }

    private static async Task<Document> FixAsync(Document document, SyntaxNode member, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var attribute = AttributeList(SingletonSeparatedList(
            Attribute(ParseName("global::SessionGuard.SessionScoped").WithAdditionalAnnotations(Simplifier.Annotation))));
        var types = member.Ancestors().OfType<TypeDeclarationSyntax>().ToList();
        var newLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        if (newLine == default)
        {
            newLine = CarriageReturnLineFeed;
        }


        var newRoot = root.ReplaceNodes(
            types.Cast<SyntaxNode>().Append(member),
            (original, rewritten) =>
            {
                if (original == member)
                {
                    var leading = rewritten.GetLeadingTrivia();
                    var indentation = leading.LastOrDefault(t => t.IsKind(SyntaxKind.WhitespaceTrivia));
                    var withAttribute = rewritten switch
                    {
                        FieldDeclarationSyntax field => (SyntaxNode)field.WithoutLeadingTrivia().AddAttributeLists(attribute.WithTrailingTrivia(newLine, indentation)),
                        PropertyDeclarationSyntax property => property.WithoutLeadingTrivia().AddAttributeLists(attribute.WithTrailingTrivia(newLine, indentation)),
                        _ => rewritten,
                    };
                    return withAttribute.WithLeadingTrivia(leading);
                }

                var type = (TypeDeclarationSyntax)rewritten;
                if (type.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return type;
                }

                if (type.Modifiers.Count == 0)
                {
                    var keyword = type.Keyword;
                    return type.WithKeyword(keyword.WithLeadingTrivia(Space))
                        .WithModifiers(TokenList(Token(SyntaxKind.PartialKeyword).WithLeadingTrivia(keyword.LeadingTrivia)));
                }

                return type.AddModifiers(Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(Space));
            });
        return document.WithSyntaxRoot(newRoot);
    }
}
