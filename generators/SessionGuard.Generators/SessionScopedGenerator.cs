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
                static (ctx, ct) => Parser.ParseMember(ctx.TargetSymbol, ctx.Attributes[0], ctx.SemanticModel.Compilation, ct))
            .WithTrackingName(TrackingNames.Members)
            .Where(static member => member is not null)
            .Select(static (member, _) => member!)
            .WithTrackingName(TrackingNames.ValidMembers)
            .Collect()
            .WithTrackingName(TrackingNames.CollectedMembers)
            .SelectMany(static (all, _) => GroupByOwner(all))
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

    private static ImmutableArray<OwnerModel> GroupByOwner(ImmutableArray<MemberResult> all)
    {
        // One owner per hint name, in first-seen order; its members in declaration order. An owner with any invalid
        // member gets no code (the analyzer reports why).
        var order = new List<string>();
        var groups = new Dictionary<string, List<MemberResult>>(StringComparer.Ordinal);
        foreach (MemberResult result in all)
        {
            if (!groups.TryGetValue(result.Owner.HintName, out var group))
            {
                groups.Add(result.Owner.HintName, group = new List<MemberResult>());
                order.Add(result.Owner.HintName);
            }

            group.Add(result);
        }

        var owners = ImmutableArray.CreateBuilder<OwnerModel>(order.Count);
        foreach (string hintName in order)
        {
            List<MemberResult> group = groups[hintName];
            if (group.Any(static r => r.Member is null))
            {
                continue;
            }

            MemberModel[] members = group
                .GroupBy(static r => r.Order)
                .OrderBy(static g => g.Key)
                .Select(static g => g.First().Member!)
                .ToArray();
            OwnerHeader header = group[0].Owner;
            owners.Add(new OwnerModel(header.Namespace, header.ContainingTypes, header.Type, header.FullyQualifiedName, header.IsRegistrable, header.HintName, new EquatableArray<MemberModel>(members)));
        }

        return owners.ToImmutable();
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
    public const string Members = nameof(Members);
    public const string ValidMembers = nameof(ValidMembers);
    public const string CollectedMembers = nameof(CollectedMembers);
    public const string Owners = nameof(Owners);
    public const string RegistrationTarget = nameof(RegistrationTarget);
    public const string RegistrableOwners = nameof(RegistrableOwners);
    public const string Registration = nameof(Registration);
}
