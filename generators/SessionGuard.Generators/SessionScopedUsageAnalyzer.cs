using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using SessionGuard.Generators.Rules;

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
        SG0001OwnerNotPartial.Descriptor,
        SG0002UnsupportedMemberType.Descriptor,
        SG0003SessionNotFoundInKey.Descriptor,
        SG0004MemberNotReadOnly.Descriptor,
        SG0005StaticMember.Descriptor,
        SG0006InvalidSyncRoot.Descriptor,
        SG0007CompositeKeyScan.Descriptor,
        SG0008OwnerDerivesFromOwner.Descriptor);

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
