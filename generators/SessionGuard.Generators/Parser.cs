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

namespace SessionGuard.Generators;

/// <summary>
/// Turns symbols into the equatable model. Shared by the generator (which gets a model or nothing) and the usage
/// analyzer (which gets the diagnostics): both see exactly the same rules.
/// </summary>
internal static partial class Parser
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
    /// <remarks>
    /// Roslyn runs this for every attributed member whenever the compilation changes (an edit anywhere), so it stays
    /// cheap: no <c>SymbolDisplay</c>, no LINQ, few allocations. Whatever can be derived from its output (the owner's
    /// qualified name, its hint name) is derived after <c>Collect</c>, which only runs when some output changed.
    /// </remarks>
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
        EquatableArray<TypeDeclarationModel> containing = EquatableArray<TypeDeclarationModel>.Empty;
        if (owner.ContainingType is not null)
        {
            int depth = 0;
            for (INamedTypeSymbol? outer = owner.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                depth++;
            }

            var outers = new TypeDeclarationModel[depth];
            for (INamedTypeSymbol? outer = owner.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                outers[--depth] = Declaration(outer);
            }

            containing = new EquatableArray<TypeDeclarationModel>(outers);
        }

        return new OwnerHeader(NamespaceName(owner.ContainingNamespace), containing, Declaration(owner), IsRegistrable(owner));
    }

    private static string NamespaceName(INamespaceSymbol? ns)
    {
        if (ns is null || ns.IsGlobalNamespace)
        {
            return string.Empty;
        }

        string name = Escape(ns.Name);
        INamespaceSymbol? parent = ns.ContainingNamespace;
        return parent is null || parent.IsGlobalNamespace ? name : NamespaceName(parent) + "." + name;
    }

    /// <summary>Prefixes a keyword with <c>@</c> (every C# keyword starts with a lowercase ASCII letter).</summary>
    private static string Escape(string name) =>
        name.Length > 0 && name[0] is >= 'a' and <= 'z' && SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

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

    /// <summary>True when <paramref name="type"/> declares a <c>[SessionScoped]</c> field or property.</summary>
    private static bool HasSessionScopedMember(INamedTypeSymbol type)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            if (member is IFieldSymbol or IPropertySymbol && FindAttribute(member) is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static CollectionKind? ClassifyCollection(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return null;
        }

        // Name and arity rather than MetadataName, which composes a new string for every generic type.
        INamedTypeSymbol definition = named.OriginalDefinition;
        (CollectionKind Kind, string Namespace)? candidate = (definition.Arity, definition.Name) switch
        {
            (2, "Dictionary") => (CollectionKind.Dictionary, "System.Collections.Generic"),
            (2, "IDictionary") => (CollectionKind.IDictionary, "System.Collections.Generic"),
            (2, "ConcurrentDictionary") => (CollectionKind.ConcurrentDictionary, "System.Collections.Concurrent"),
            (1, "HashSet") => (CollectionKind.HashSet, "System.Collections.Generic"),
            (1, "ISet") => (CollectionKind.ISet, "System.Collections.Generic"),
            (2, "PendingOperations") => (CollectionKind.PendingOperations, "SessionGuard"),
            (2, "SessionMap") => (CollectionKind.SessionMap, "SessionGuard"),
            _ => null,
        };
        return candidate is { } found && NamespaceIs(definition.ContainingNamespace, found.Namespace) ? found.Kind : null;
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

        var sessionMembers = new List<string>();
        foreach (var candidate in candidates)
        {
            if (IsSessionId(candidate.Type) && !sessionMembers.Contains(candidate.Accessor))
            {
                sessionMembers.Add(candidate.Accessor);
            }
        }

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
            ImmutableArray<ISymbol> found = type.GetMembers(name);
            if (found.IsEmpty)
            {
                continue;
            }

            if (found[0] is not IFieldSymbol field)
            {
                return $"names a {found[0].Kind.ToString().ToLowerInvariant()}, not a field";
            }

            // The owner's own fields are always accessible to it.
            if (!ReferenceEquals(type, owner) && !compilation.IsSymbolAccessibleWithin(field, owner))
            {
                return "names a field that is not accessible here";
            }

            ITypeSymbol fieldType = field.Type;
            if (fieldType.IsValueType || fieldType.TypeKind == TypeKind.TypeParameter && !fieldType.IsReferenceType)
            {
                return $"names a field of type '{fieldType.ToDisplayString(MessageFormat)}', which is not a reference type";
            }

            isStatic = field.IsStatic;
            return null;
        }

        return "names nothing";
    }

    private static DisposalKind ClassifyDisposal(ITypeSymbol type)
    {
        if (type.TypeKind is TypeKind.Array or TypeKind.Delegate or TypeKind.Enum or TypeKind.Pointer or TypeKind.FunctionPointer
            || type.SpecialType is (>= SpecialType.System_Boolean and <= SpecialType.System_UIntPtr) or SpecialType.System_DateTime)
        {
            // Arrays, delegates, enums, pointers, string and the primitives are never disposable (and the numeric
            // types' generic-math interface lists are long: not worth walking).
            return DisposalKind.None;
        }

        for (ITypeSymbol? t = type; t is not null && t.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); t = t.BaseType)
        {
            if (IsType(t, "System.Threading", "CancellationTokenSource", 0))
            {
                return DisposalKind.CancellationTokenSource;
            }

            if (IsType(t, "System.Threading.Tasks", "Task", 0) || IsType(t, "System.Threading.Tasks", "Task", 1))
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

        bool disposable = false;
        foreach (INamedTypeSymbol implemented in type.AllInterfaces)
        {
            if (IsType(implemented, "System", "IAsyncDisposable", 0))
            {
                return DisposalKind.AsyncDisposable;
            }

            disposable |= IsType(implemented, "System", "IDisposable", 0);
        }

        return disposable ? DisposalKind.Disposable : DisposalKind.None;
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
        ImmutableArray<ITypeParameterSymbol> typeParameters = type.TypeParameters;
        if (typeParameters.Length > 0)
        {
            var builder = new StringBuilder(name).Append('<');
            for (int i = 0; i < typeParameters.Length; i++)
            {
                (i > 0 ? builder.Append(", ") : builder).Append(Escape(typeParameters[i].Name));
            }

            name = builder.Append('>').ToString();
        }

        return new TypeDeclarationModel(keyword, name);
    }

    public static bool IsSessionId(ITypeSymbol type) => IsType(type, "SessionGuard", "SessionId", 0);

    private static bool IsInSessionGuard(INamedTypeSymbol type) => NamespaceIs(type.ContainingNamespace, "SessionGuard");

    /// <summary>By name and arity (MetadataName would compose a new string for every generic type).</summary>
    private static bool IsType(ITypeSymbol type, string ns, string name, int arity) =>
        type.Name == name
        && (type is INamedTypeSymbol named ? named.Arity : 0) == arity
        && type.ContainingType is null
        && NamespaceIs(type.ContainingNamespace, ns);

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
