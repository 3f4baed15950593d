using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SessionGuard.Generators.Model;
using SessionGuard.Generators.Rules;

namespace SessionGuard.Generators;

/// <summary>
/// Turns symbols into the equatable model. Shared by the generator (which gets a model or nothing) and the usage
/// analyzer (which gets the diagnostics): both see exactly the same rules.
/// </summary>
internal static class Parser
{
    public const string AttributeMetadataName = "SessionGuard.SessionScopedAttribute";

    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly SymbolDisplayFormat MessageFormat = SymbolDisplayFormat.MinimallyQualifiedFormat;

    /// <summary>
    /// The generator's transform for one <c>[SessionScoped]</c> member: the owner's header, the member's position
    /// among the owner's members, and the member's model (null when the member is invalid, which makes the whole
    /// owner get no code: the analyzer says why).
    /// </summary>
    public static MemberResult? ParseMember(ISymbol member, AttributeData attribute, Compilation compilation, CancellationToken cancellationToken)
    {
        if (member is not (IFieldSymbol or IPropertySymbol) || member.ContainingType is not { } owner)
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        MemberModel? model = AnalyzeMember(member, attribute, compilation, report: null);
        return new MemberResult(Header(owner), owner.GetMembers().IndexOf(member), model);
    }

    private static OwnerHeader Header(INamedTypeSymbol owner)
    {
        // Built from names rather than SymbolDisplay: this runs for every member on every compilation change.
        var containing = new List<TypeDeclarationModel>();
        for (INamedTypeSymbol? outer = owner.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            containing.Insert(0, Declaration(outer));
        }

        TypeDeclarationModel declaration = Declaration(owner);
        string ns = NamespaceName(owner.ContainingNamespace);
        var qualified = new StringBuilder(ns);
        foreach (TypeDeclarationModel type in containing)
        {
            (qualified.Length > 0 ? qualified.Append('.') : qualified).Append(type.NameWithTypeParameters);
        }

        (qualified.Length > 0 ? qualified.Append('.') : qualified).Append(declaration.NameWithTypeParameters);
        string qualifiedName = qualified.ToString();
        return new OwnerHeader(
            ns,
            new EquatableArray<TypeDeclarationModel>(containing.ToArray()),
            declaration,
            "global::" + qualifiedName,
            IsRegistrable(owner),
            HintName(qualifiedName));
    }

    private static string NamespaceName(INamespaceSymbol? ns)
    {
        var parts = new List<string>();
        for (; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            parts.Insert(0, Escape(ns.Name));
        }

        return string.Join(".", parts);
    }

    private static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>The <c>[SessionScoped]</c> attribute on <paramref name="member"/>, if any.</summary>
    public static AttributeData? FindAttribute(ISymbol member)
    {
        foreach (AttributeData attribute in member.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "SessionScopedAttribute" } type && IsInSessionGuard(type))
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>
    /// Analyzes one member. Returns its model, or null when it is invalid (a rule with error severity); reports
    /// every finding (including warnings and suggestions) to <paramref name="report"/> when given.
    /// </summary>
    public static MemberModel? AnalyzeMember(ISymbol member, AttributeData attribute, Compilation compilation, Action<Diagnostic>? report)
    {
        Location location = member.Locations.FirstOrDefault() ?? Location.None;
        INamedTypeSymbol owner = member.ContainingType;
        bool valid = true;

        if (member.IsStatic || owner.IsStatic)
        {
            report?.Invoke(Diagnostic.Create(SG0005StaticMember.Descriptor, location, member.Name));
            return null;
        }

        for (INamedTypeSymbol? baseType = owner.BaseType; baseType is not null; baseType = baseType.BaseType)
        {
            if (baseType.GetMembers().Any(static m => m is IFieldSymbol or IPropertySymbol && FindAttribute(m) is not null))
            {
                report?.Invoke(Diagnostic.Create(SG0008OwnerDerivesFromOwner.Descriptor, location, member.Name, baseType.ToDisplayString(MessageFormat), owner.ToDisplayString(MessageFormat)));
                return null;
            }
        }

        for (INamedTypeSymbol? type = owner; type is not null; type = type.ContainingType)
        {
            if (!IsPartial(type))
            {
                report?.Invoke(Diagnostic.Create(SG0001OwnerNotPartial.Descriptor, location, member.Name, type.ToDisplayString(MessageFormat)));
                valid = false;
                break;
            }
        }

        if (owner.TypeKind is not (TypeKind.Class or TypeKind.Struct) || owner.IsRefLikeType)
        {
            // Interfaces cannot hold instance state and ref structs cannot implement interfaces.
            report?.Invoke(Diagnostic.Create(SG0002UnsupportedMemberType.Descriptor, location, member.Name, owner.ToDisplayString(MessageFormat) + " (owner is " + (owner.IsRefLikeType ? "a ref struct" : "an " + owner.TypeKind.ToString().ToLowerInvariant()) + ")"));
            return null;
        }

        ITypeSymbol memberType = member is IFieldSymbol field ? field.Type : ((IPropertySymbol)member).Type;
        bool readOnly = member is IFieldSymbol f ? f.IsReadOnly : ((IPropertySymbol)member) is { SetMethod: null or { IsInitOnly: true } };
        if (!readOnly)
        {
            report?.Invoke(Diagnostic.Create(SG0004MemberNotReadOnly.Descriptor, location, member.Name));
        }

        if (member is IPropertySymbol { GetMethod: null } or IPropertySymbol { IsIndexer: true })
        {
            report?.Invoke(Diagnostic.Create(SG0002UnsupportedMemberType.Descriptor, location, member.Name, memberType.ToDisplayString(MessageFormat) + " (a property without a getter)"));
            return null;
        }

        CollectionKind? kind = ClassifyCollection(memberType);
        if (kind is null || memberType is not INamedTypeSymbol collection)
        {
            report?.Invoke(Diagnostic.Create(SG0002UnsupportedMemberType.Descriptor, location, member.Name, memberType.ToDisplayString(MessageFormat)));
            return null;
        }

        string? sessionKey = null;
        string? syncRoot = null;
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "SessionKey")
            {
                sessionKey = argument.Value.Value as string;
            }
            else if (argument.Key == "SyncRoot")
            {
                syncRoot = argument.Value.Value as string;
            }
        }

        ITypeSymbol keyType = collection.TypeArguments[0];
        ITypeSymbol? valueType = kind is CollectionKind.Dictionary or CollectionKind.IDictionary or CollectionKind.ConcurrentDictionary or CollectionKind.SessionMap
            ? collection.TypeArguments[1]
            : null;

        KeyKind keyKind;
        string accessor = string.Empty;
        bool accessorIsString = false;
        if (kind == CollectionKind.SessionMap)
        {
            keyKind = KeyKind.Indexed;
        }
        else if (IsSessionId(keyType))
        {
            keyKind = KeyKind.SessionId;
        }
        else if (keyType.SpecialType == SpecialType.System_String)
        {
            keyKind = KeyKind.String;
        }
        else
        {
            keyKind = KeyKind.Composite;
            string? problem = FindSessionMember(keyType, sessionKey, owner, compilation, out accessor, out accessorIsString);
            if (problem is not null)
            {
                report?.Invoke(Diagnostic.Create(SG0003SessionNotFoundInKey.Descriptor, location, member.Name, keyType.ToDisplayString(MessageFormat), problem));
                valid = false;
            }
            else if (kind != CollectionKind.PendingOperations && report is not null)
            {
                report(Diagnostic.Create(SG0007CompositeKeyScan.Descriptor, location, member.Name, keyType.ToDisplayString(MessageFormat), collection.OriginalDefinition.Name));
            }
        }

        bool syncRootIsStatic = false;
        if (syncRoot is not null)
        {
            string? problem = CheckSyncRoot(syncRoot, owner, compilation, out syncRootIsStatic);
            if (problem is not null)
            {
                report?.Invoke(Diagnostic.Create(SG0006InvalidSyncRoot.Descriptor, location, member.Name, syncRoot, problem, owner.ToDisplayString(MessageFormat)));
                valid = false;
            }
        }

        if (!valid)
        {
            return null;
        }

        return new MemberModel(
            member.Name,
            kind.Value,
            keyKind,
            keyType.ToDisplayString(TypeFormat),
            !keyType.IsValueType,
            accessor,
            accessorIsString,
            valueType?.ToDisplayString(TypeFormat) ?? string.Empty,
            valueType is null ? DisposalKind.None : ClassifyDisposal(valueType),
            syncRoot ?? string.Empty,
            syncRootIsStatic);
    }

    private static CollectionKind? ClassifyCollection(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol { IsGenericType: true } named)
        {
            return null;
        }

        INamedTypeSymbol definition = named.OriginalDefinition;
        return definition.MetadataName switch
        {
            "Dictionary`2" when NamespaceIs(definition.ContainingNamespace, "System.Collections.Generic") => CollectionKind.Dictionary,
            "IDictionary`2" when NamespaceIs(definition.ContainingNamespace, "System.Collections.Generic") => CollectionKind.IDictionary,
            "ConcurrentDictionary`2" when NamespaceIs(definition.ContainingNamespace, "System.Collections.Concurrent") => CollectionKind.ConcurrentDictionary,
            "HashSet`1" when NamespaceIs(definition.ContainingNamespace, "System.Collections.Generic") => CollectionKind.HashSet,
            "ISet`1" when NamespaceIs(definition.ContainingNamespace, "System.Collections.Generic") => CollectionKind.ISet,
            "PendingOperations`2" when NamespaceIs(definition.ContainingNamespace, "SessionGuard") => CollectionKind.PendingOperations,
            "SessionMap`2" when NamespaceIs(definition.ContainingNamespace, "SessionGuard") => CollectionKind.SessionMap,
            _ => null,
        };
    }

    /// <summary>Finds the key's member that holds the session; returns a problem text, or null when found.</summary>
    private static string? FindSessionMember(ITypeSymbol keyType, string? sessionKey, INamedTypeSymbol owner, Compilation compilation, out string accessor, out bool isString)
    {
        accessor = string.Empty;
        isString = false;
        var candidates = new List<(string Name, string Accessor, ITypeSymbol Type)>();
        if (keyType is INamedTypeSymbol { IsTupleType: true } tuple)
        {
            foreach (IFieldSymbol element in tuple.TupleElements)
            {
                string itemName = element.CorrespondingTupleField?.Name ?? element.Name;
                candidates.Add((element.Name, itemName, element.Type));
                if (itemName != element.Name)
                {
                    candidates.Add((itemName, itemName, element.Type));
                }
            }
        }
        else if (keyType.SpecialType == SpecialType.None && keyType.TypeKind is TypeKind.Class or TypeKind.Struct or TypeKind.Interface)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (ITypeSymbol? type = keyType; type is not null && type.SpecialType != SpecialType.System_Object; type = type.BaseType)
            {
                AddMembers(type, candidates, seen, owner, compilation);
            }

            if (keyType.TypeKind == TypeKind.Interface)
            {
                foreach (INamedTypeSymbol inherited in keyType.AllInterfaces)
                {
                    AddMembers(inherited, candidates, seen, owner, compilation);
                }
            }
        }
        else
        {
            return "is not a composite type";
        }

        if (sessionKey is not null)
        {
            foreach (var candidate in candidates)
            {
                if (candidate.Name == sessionKey)
                {
                    if (IsSessionId(candidate.Type))
                    {
                        accessor = candidate.Accessor;
                        return null;
                    }

                    if (candidate.Type.SpecialType == SpecialType.System_String)
                    {
                        accessor = candidate.Accessor;
                        isString = true;
                        return null;
                    }

                    return $"has a member '{sessionKey}' of type '{candidate.Type.ToDisplayString(MessageFormat)}', which is neither SessionId nor string";
                }
            }

            return $"has no accessible field, property or tuple element named '{sessionKey}' (SessionKey)";
        }

        var sessionMembers = candidates.Where(c => IsSessionId(c.Type)).Select(c => c.Accessor).Distinct().ToList();
        if (sessionMembers.Count == 1)
        {
            accessor = sessionMembers[0];
            return null;
        }

        return sessionMembers.Count == 0
            ? "has no accessible SessionId member"
            : $"has {sessionMembers.Count} SessionId members ({string.Join(", ", sessionMembers)})";
    }

    private static void AddMembers(ITypeSymbol type, List<(string Name, string Accessor, ITypeSymbol Type)> candidates, HashSet<string> seen, INamedTypeSymbol owner, Compilation compilation)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            if (member is not (IFieldSymbol or IPropertySymbol) || member.IsStatic || member.IsImplicitlyDeclared || !member.CanBeReferencedByName || !compilation.IsSymbolAccessibleWithin(member, owner))
            {
                continue;
            }

            ITypeSymbol? memberType = member switch
            {
                IFieldSymbol { AssociatedSymbol: null } field => field.Type,
                IPropertySymbol { IsIndexer: false, GetMethod: not null } property when compilation.IsSymbolAccessibleWithin(property.GetMethod, owner) => property.Type,
                _ => null,
            };
            if (memberType is not null && seen.Add(member.Name))
            {
                candidates.Add((member.Name, member.Name, memberType));
            }
        }
    }

    private static string? CheckSyncRoot(string name, INamedTypeSymbol owner, Compilation compilation, out bool isStatic)
    {
        isStatic = false;
        for (INamedTypeSymbol? type = owner; type is not null; type = type.BaseType)
        {
            ISymbol[] found = type.GetMembers(name).ToArray();
            if (found.Length == 0)
            {
                continue;
            }

            if (found[0] is not IFieldSymbol field)
            {
                return $"names a {found[0].Kind.ToString().ToLowerInvariant()}, not a field";
            }

            if (!compilation.IsSymbolAccessibleWithin(field, owner))
            {
                return "names a field that is not accessible here";
            }

            if (field.Type.IsValueType || field.Type.TypeKind == TypeKind.TypeParameter && !field.Type.IsReferenceType)
            {
                return $"names a field of type '{field.Type.ToDisplayString(MessageFormat)}', which is not a reference type";
            }

            isStatic = field.IsStatic;
            return null;
        }

        return "names nothing";
    }

    private static DisposalKind ClassifyDisposal(ITypeSymbol type)
    {
        if (type.TypeKind is TypeKind.Array or TypeKind.Delegate or TypeKind.Enum or TypeKind.Pointer or TypeKind.FunctionPointer
            || type.SpecialType == SpecialType.System_String)
        {
            return DisposalKind.None;
        }

        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (IsType(t, "System.Threading", "CancellationTokenSource"))
            {
                return DisposalKind.CancellationTokenSource;
            }

            if (IsType(t, "System.Threading.Tasks", "Task") || IsType(t, "System.Threading.Tasks", "Task`1"))
            {
                // Tasks must not be disposed (Dispose throws while they run); they are left to the GC.
                return DisposalKind.None;
            }
        }

        bool sealedOrStruct = type.IsValueType || (type.TypeKind == TypeKind.Class && type.IsSealed);
        if (!sealedOrStruct)
        {
            // Object, interfaces, type parameters and unsealed classes may hold a disposable at run time.
            return DisposalKind.Runtime;
        }

        if (type.AllInterfaces.Any(i => IsType(i, "System", "IAsyncDisposable")))
        {
            return DisposalKind.AsyncDisposable;
        }

        if (type.AllInterfaces.Any(i => IsType(i, "System", "IDisposable")))
        {
            return DisposalKind.Disposable;
        }

        return DisposalKind.None;
    }

    private static bool IsPartial(INamedTypeSymbol type)
    {
        if (type.DeclaringSyntaxReferences.Length == 0)
        {
            return false;
        }

        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is not TypeDeclarationSyntax declaration || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsRegistrable(INamedTypeSymbol owner)
    {
        if (owner.TypeKind != TypeKind.Class || owner.IsAbstract)
        {
            return false;
        }

        for (INamedTypeSymbol? type = owner; type is not null; type = type.ContainingType)
        {
            if (type.IsGenericType || type.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }

    private static TypeDeclarationModel Declaration(INamedTypeSymbol type)
    {
        string keyword = (type.IsRecord, type.TypeKind) switch
        {
            (true, TypeKind.Struct) => "record struct",
            (true, _) => "record",
            (false, TypeKind.Struct) => "struct",
            (false, TypeKind.Interface) => "interface",
            _ => "class",
        };
        string name = Escape(type.Name);
        if (type.TypeParameters.Length > 0)
        {
            name += "<" + string.Join(", ", type.TypeParameters.Select(static p => Escape(p.Name))) + ">";
        }

        return new TypeDeclarationModel(keyword, name);
    }

    private static string HintName(string qualifiedName)
    {
        var builder = new StringBuilder(qualifiedName.Length + 20);
        foreach (char c in qualifiedName)
        {
            builder.Append(char.IsLetterOrDigit(c) || c == '.' || c == '_' ? c : '_');
        }

        return builder.Append(".SessionScoped.g.cs").ToString();
    }

    public static bool IsSessionId(ITypeSymbol type) => IsType(type, "SessionGuard", "SessionId");

    private static bool IsInSessionGuard(INamedTypeSymbol type) => NamespaceIs(type.ContainingNamespace, "SessionGuard");

    private static bool IsType(ITypeSymbol type, string ns, string metadataName) =>
        type.MetadataName == metadataName && NamespaceIs(type.ContainingNamespace, ns);

    /// <summary>True when <paramref name="ns"/> is exactly the dotted namespace <paramref name="dotted"/> (no allocation).</summary>
    private static bool NamespaceIs(INamespaceSymbol? ns, string dotted)
    {
        int end = dotted.Length;
        while (ns is { IsGlobalNamespace: false })
        {
            if (end < 0)
            {
                return false; // the symbol's namespace is longer than the dotted name
            }

            int dot = end == 0 ? -1 : dotted.LastIndexOf('.', end - 1);
            int start = dot + 1;
            string name = ns.Name;
            if (end - start != name.Length || string.CompareOrdinal(dotted, start, name, 0, name.Length) != 0)
            {
                return false;
            }

            ns = ns.ContainingNamespace;
            end = dot;
        }

        return end < 0;
    }
}
