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
            .Collect()
            .WithTrackingName(TrackingNames.CollectedMembers)
            .SelectMany(static (all, _) => GroupByOwner(all))
            .WithTrackingName(TrackingNames.Owners);

        context.RegisterSourceOutput(owners, static (spc, owner) => spc.AddSource(owner.HintName, Emitter.EmitOwner(owner)));

        IncrementalValueProvider<RegistrationTarget> target = context.CompilationProvider
            .Select(static (compilation, _) => new RegistrationTarget(ReferencesDependencyInjection(compilation), Identifier(compilation.AssemblyName ?? "Assembly")))
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

    private static ImmutableArray<OwnerModel> GroupByOwner(ImmutableArray<MemberResult?> all)
    {
        // One owner per header, in first-seen order; its members in declaration order. An owner with any invalid
        // member gets no code (the analyzer reports why). This runs only when some member's result changed.
        // A null result (an attributed event field, say) belongs to no owner. It is skipped here rather than by a
        // Where/Select pair before Collect: those two steps would visit every member again on every re-run.
        var order = new List<OwnerHeader>();
        var groups = new Dictionary<OwnerHeader, List<MemberResult>>();
        foreach (MemberResult? result in all)
        {
            if (result is null)
            {
                continue;
            }

            if (!groups.TryGetValue(result.Owner, out var group))
            {
                groups.Add(result.Owner, group = new List<MemberResult>());
                order.Add(result.Owner);
            }

            group.Add(result);
        }

        var owners = ImmutableArray.CreateBuilder<OwnerModel>(order.Count);
        var hintNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (OwnerHeader header in order)
        {
            List<MemberResult> group = groups[header];
            if (!TryOrderMembers(group, out MemberModel[] members))
            {
                continue;
            }

            string qualifiedName = QualifiedName(header);
            string hintName = HintName(qualifiedName, hintNames);
            owners.Add(new OwnerModel(header.Namespace, header.ContainingTypes, header.Type, "global::" + qualifiedName, header.IsRegistrable, hintName, new EquatableArray<MemberModel>(members)));
        }

        return owners.ToImmutable();
    }

    /// <summary>The members by <see cref="MemberResult.Order"/>, each once (the first seen); false when one is invalid.</summary>
    private static bool TryOrderMembers(List<MemberResult> group, out MemberModel[] members)
    {
        members = Array.Empty<MemberModel>();
        foreach (MemberResult result in group)
        {
            if (result.Member is null)
            {
                return false;
            }
        }

        // A stable insertion sort: groups are small, and the first of equal orders must stay first.
        var sorted = new List<MemberResult>(group.Count);
        foreach (MemberResult result in group)
        {
            int at = sorted.Count;
            while (at > 0 && sorted[at - 1].Order > result.Order)
            {
                at--;
            }

            if (at > 0 && sorted[at - 1].Order == result.Order)
            {
                continue; // the same member seen twice
            }

            sorted.Insert(at, result);
        }

        members = new MemberModel[sorted.Count];
        for (int i = 0; i < members.Length; i++)
        {
            members[i] = sorted[i].Member!;
        }

        return true;
    }

    private static string QualifiedName(OwnerHeader header)
    {
        var qualified = new StringBuilder(header.Namespace);
        foreach (TypeDeclarationModel type in header.ContainingTypes)
        {
            (qualified.Length > 0 ? qualified.Append('.') : qualified).Append(type.NameWithTypeParameters);
        }

        (qualified.Length > 0 ? qualified.Append('.') : qualified).Append(header.Type.NameWithTypeParameters);
        return qualified.ToString();
    }

    /// <summary>A file name from the qualified name; a suffix keeps it unique when two owners map to the same name.</summary>
    private static string HintName(string qualifiedName, HashSet<string> used)
    {
        var builder = new StringBuilder(qualifiedName.Length + 20);
        foreach (char c in qualifiedName)
        {
            builder.Append(char.IsLetterOrDigit(c) || c == '.' || c == '_' ? c : '_');
        }

        string stem = builder.ToString();
        string hintName = stem + ".SessionScoped.g.cs";
        for (int n = 2; !used.Add(hintName); n++)
        {
            hintName = stem + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".SessionScoped.g.cs";
        }

        return hintName;
    }

    private static bool ReferencesDependencyInjection(Compilation compilation)
    {
        foreach (AssemblyIdentity assembly in compilation.ReferencedAssemblyNames)
        {
            if (assembly.Name == "Microsoft.Extensions.DependencyInjection.Abstractions")
            {
                return true;
            }
        }

        return false;
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
    public const string CollectedMembers = nameof(CollectedMembers);
    public const string Owners = nameof(Owners);
    public const string RegistrationTarget = nameof(RegistrationTarget);
    public const string RegistrableOwners = nameof(RegistrableOwners);
    public const string Registration = nameof(Registration);
}
