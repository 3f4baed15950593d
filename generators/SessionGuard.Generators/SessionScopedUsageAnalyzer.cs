using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SessionGuard.Generators;

/// <summary>
/// Reports invalid <c>[SessionScoped]</c> usage (SG0001–SG0008) from symbols, at the member's own location so that
/// <c>#pragma warning disable</c> works. Uses the same <see cref="Parser"/> as the generator.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SessionScopedUsageAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.OwnerNotPartial,
        Descriptors.UnsupportedMemberType,
        Descriptors.SessionNotFoundInKey,
        Descriptors.MemberNotReadOnly,
        Descriptors.StaticMember,
        Descriptors.InvalidSyncRoot,
        Descriptors.CompositeKeyScan,
        Descriptors.OwnerDerivesFromOwner);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (start.Compilation.GetTypeByMetadataName(Parser.AttributeMetadataName) is null)
            {
                return;
            }

            start.RegisterSymbolAction(
                static ctx =>
                {
                    AttributeData? attribute = Parser.FindAttribute(ctx.Symbol);
                    if (attribute is not null)
                    {
                        Parser.AnalyzeMember(ctx.Symbol, attribute, ctx.Compilation, ctx.ReportDiagnostic);
                    }
                },
                SymbolKind.Field,
                SymbolKind.Property);
        });
    }
}
