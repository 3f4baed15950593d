using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SessionGuard.Generators.Model;

namespace SessionGuard.Generators;

/// <summary>
/// Implements <c>ISessionScoped</c> for every partial type with <c>[SessionScoped]</c> members, and (when the
/// compilation references Microsoft.Extensions.DependencyInjection.Abstractions) emits one registration method per
/// assembly. Reports nothing: <see cref="SessionScopedUsageAnalyzer"/> explains why an owner got no code.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class SessionScopedGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<OwnerModel> owners = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.AttributeMetadataName,
                static (node, _) => node is VariableDeclaratorSyntax or PropertyDeclarationSyntax,
                static (ctx, ct) => ctx.TargetSymbol.ContainingType is { } owner
                    ? Parser.ParseOwner(owner, ctx.SemanticModel.Compilation, ct)
                    : null)
            .WithTrackingName(TrackingNames.OwnerOfMember)
            .Where(static owner => owner is not null)
            .Select(static (owner, _) => owner!)
            .WithTrackingName(TrackingNames.ValidOwners)
            .Collect()
            .WithTrackingName(TrackingNames.CollectedOwners)
            .SelectMany(static (all, _) => Distinct(all))
            .WithTrackingName(TrackingNames.Owners);

        context.RegisterSourceOutput(owners, static (spc, owner) => spc.AddSource(owner.HintName, Emitter.EmitOwner(owner)));

        IncrementalValueProvider<RegistrationTarget> target = context.CompilationProvider
            .Select(static (compilation, _) => new RegistrationTarget(
                compilation.ReferencedAssemblyNames.Any(static a => a.Name == "Microsoft.Extensions.DependencyInjection.Abstractions"),
                Identifier(compilation.AssemblyName ?? "Assembly")))
            .WithTrackingName(TrackingNames.RegistrationTarget);

        IncrementalValueProvider<RegistrationModel?> registration = owners
            .Where(static owner => owner.IsRegistrable)
            .Select(static (owner, _) => owner.FullyQualifiedName)
            .WithTrackingName(TrackingNames.RegistrableOwners)
            .Collect()
            .Combine(target)
            .Select(static (pair, _) => pair.Right.ReferencesDependencyInjection && pair.Left.Length > 0
                ? new RegistrationModel(pair.Right.AssemblyIdentifier, new EquatableArray<string>(pair.Left.OrderBy(static n => n, StringComparer.Ordinal).ToArray()))
                : null)
            .WithTrackingName(TrackingNames.Registration);

        context.RegisterSourceOutput(registration, static (spc, model) =>
        {
            if (model is not null)
            {
                spc.AddSource("SessionScopedOwners_" + model.AssemblyIdentifier + ".g.cs", Emitter.EmitRegistration(model));
            }
        });
    }

    private static ImmutableArray<OwnerModel> Distinct(ImmutableArray<OwnerModel> all)
    {
        // Every [SessionScoped] member yields its whole owner: keep each owner once, in first-seen order.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = ImmutableArray.CreateBuilder<OwnerModel>(all.Length);
        foreach (OwnerModel owner in all)
        {
            if (seen.Add(owner.HintName))
            {
                result.Add(owner);
            }
        }

        return result.ToImmutable();
    }

    /// <summary>The assembly name as an identifier fragment: <c>My.App-1</c> becomes <c>My_App_1</c>.</summary>
    internal static string Identifier(string assemblyName)
    {
        var builder = new StringBuilder(assemblyName.Length);
        foreach (char c in assemblyName)
        {
            builder.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return builder.ToString();
    }
}

/// <summary>The <c>WithTrackingName</c> names of the generator's steps (the incremental tests read them).</summary>
internal static class TrackingNames
{
    public const string OwnerOfMember = nameof(OwnerOfMember);
    public const string ValidOwners = nameof(ValidOwners);
    public const string CollectedOwners = nameof(CollectedOwners);
    public const string Owners = nameof(Owners);
    public const string RegistrationTarget = nameof(RegistrationTarget);
    public const string RegistrableOwners = nameof(RegistrableOwners);
    public const string Registration = nameof(Registration);
}
