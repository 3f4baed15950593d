using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using SessionGuard.Generators.Model;

namespace SessionGuard.Generators;

/// <summary>The SG0xxx rules: one check a rule, run in a fixed order by <see cref="AnalyzeMember"/>.</summary>
internal static partial class Parser
{
    /// <summary>
    /// Analyzes one member. Returns its model, or null when it is invalid (a rule with error severity); reports
    /// every finding (including warnings and suggestions) to <paramref name="report"/> when given.
    /// </summary>
    public static MemberModel? AnalyzeMember(ISymbol member, AttributeData attribute, Compilation compilation, Action<Diagnostic>? report)
    {
        // The generator calls this with report == null for every member on every compilation change: the messages
        // (and their display strings) are only built when there is someone to report to.
        Location location = report is null || member.Locations.IsEmpty ? Location.None : member.Locations[0];
        INamedTypeSymbol owner = member.ContainingType;

        if (!CheckNotStatic(member, owner, location, report) || !CheckNoOwnerBase(member, owner, location, report))
        {
            return null;
        }

        bool valid = CheckPartial(member, owner, location, report);
        if (!CheckOwnerKind(member, owner, location, report))
        {
            return null;
        }

        ITypeSymbol memberType;
        bool readOnly;
        bool withoutGetter = false;
        if (member is IFieldSymbol field)
        {
            memberType = field.Type;
            readOnly = field.IsReadOnly;
        }
        else
        {
            var property = (IPropertySymbol)member;
            memberType = property.Type;
            readOnly = property.SetMethod is null or { IsInitOnly: true };
            withoutGetter = property.GetMethod is null || property.IsIndexer;
        }

        CheckReadOnly(member, readOnly, location, report);
        if (!CheckMemberType(member, memberType, withoutGetter, location, report, out CollectionKind kind, out INamedTypeSymbol collection))
        {
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

        ImmutableArray<ITypeSymbol> typeArguments = collection.TypeArguments;
        ITypeSymbol keyType = typeArguments[0];
        ITypeSymbol? valueType = kind is CollectionKind.Dictionary or CollectionKind.IDictionary or CollectionKind.ConcurrentDictionary or CollectionKind.SessionMap
            ? typeArguments[1]
            : null;

        // Not short-circuited: an invalid key and an invalid SyncRoot are both reported.
        valid &= CheckKey(member, kind, collection, keyType, sessionKey, owner, compilation, location, report, out KeyKind keyKind, out string accessor, out bool accessorIsString);
        valid &= CheckSyncRootField(member, syncRoot, owner, compilation, location, report, out bool syncRootIsStatic);
        if (!valid)
        {
            return null;
        }

        return new MemberModel(
            member.Name,
            kind,
            keyKind,
            !keyType.IsValueType,
            accessor,
            accessorIsString,
            valueType is null ? DisposalKind.None : ClassifyDisposal(valueType),
            syncRoot ?? string.Empty,
            syncRootIsStatic);
    }

    /// <summary>SG0005: the member and its owner are instance members; false when not (no code).</summary>
    private static bool CheckNotStatic(ISymbol member, INamedTypeSymbol owner, Location location, Action<Diagnostic>? report)
    {
        if (member.IsStatic || owner.IsStatic)
        {
            report?.Invoke(Diagnostic.Create(Descriptors.StaticMember, location, member.Name));
            return false;
        }

        return true;
    }

    /// <summary>SG0008: no base type of the owner has <c>[SessionScoped]</c> members; false when one has (no code).</summary>
    private static bool CheckNoOwnerBase(ISymbol member, INamedTypeSymbol owner, Location location, Action<Diagnostic>? report)
    {
        for (INamedTypeSymbol? baseType = owner.BaseType; baseType is not null && baseType.SpecialType != SpecialType.System_Object; baseType = baseType.BaseType)
        {
            if (HasSessionScopedMember(baseType))
            {
                report?.Invoke(Diagnostic.Create(Descriptors.OwnerDerivesFromOwner, location, member.Name, baseType.ToDisplayString(MessageFormat), owner.ToDisplayString(MessageFormat)));
                return false;
            }
        }

        return true;
    }

    /// <summary>SG0001: the owner and every enclosing type are partial; false when one is not (no code).</summary>
    private static bool CheckPartial(ISymbol member, INamedTypeSymbol owner, Location location, Action<Diagnostic>? report)
    {
        for (INamedTypeSymbol? type = owner; type is not null; type = type.ContainingType)
        {
            if (!IsPartial(type))
            {
                report?.Invoke(Diagnostic.Create(Descriptors.OwnerNotPartial, location, member.Name, type.ToDisplayString(MessageFormat)));
                return false;
            }
        }

        return true;
    }

    /// <summary>SG0002 on the owner: a class or a struct that is not a ref struct; false otherwise (no code).</summary>
    private static bool CheckOwnerKind(ISymbol member, INamedTypeSymbol owner, Location location, Action<Diagnostic>? report)
    {
        if (owner.TypeKind is not (TypeKind.Class or TypeKind.Struct) || owner.IsRefLikeType)
        {
            // Interfaces cannot hold instance state and ref structs cannot implement interfaces.
            report?.Invoke(Diagnostic.Create(Descriptors.UnsupportedMemberType, location, member.Name, owner.ToDisplayString(MessageFormat) + " (owner is " + (owner.IsRefLikeType ? "a ref struct" : "an " + owner.TypeKind.ToString().ToLowerInvariant()) + ")"));
            return false;
        }

        return true;
    }

    /// <summary>SG0004: the member cannot be reassigned (a warning: code is still generated).</summary>
    private static void CheckReadOnly(ISymbol member, bool readOnly, Location location, Action<Diagnostic>? report)
    {
        if (!readOnly)
        {
            report?.Invoke(Diagnostic.Create(Descriptors.MemberNotReadOnly, location, member.Name));
        }
    }

    /// <summary>SG0002 on the member: a readable collection the generator can release; false otherwise (no code).</summary>
    private static bool CheckMemberType(
        ISymbol member, ITypeSymbol memberType, bool withoutGetter, Location location, Action<Diagnostic>? report,
        out CollectionKind kind, out INamedTypeSymbol collection)
    {
        kind = default;
        collection = null!; // only read when the check passes
        if (withoutGetter)
        {
            report?.Invoke(Diagnostic.Create(Descriptors.UnsupportedMemberType, location, member.Name, memberType.ToDisplayString(MessageFormat) + " (a property without a getter)"));
            return false;
        }

        CollectionKind? classified = ClassifyCollection(memberType);
        if (classified is null || memberType is not INamedTypeSymbol named)
        {
            report?.Invoke(Diagnostic.Create(Descriptors.UnsupportedMemberType, location, member.Name, memberType.ToDisplayString(MessageFormat)));
            return false;
        }

        kind = classified.Value;
        collection = named;
        return true;
    }

    /// <summary>
    /// SG0003 and SG0007: how the release finds a key's session. False when the key does not tell it (SG0003, no
    /// code); a composite key found by a scan is valid and suggests <c>SessionMap</c> (SG0007).
    /// </summary>
    private static bool CheckKey(
        ISymbol member, CollectionKind kind, INamedTypeSymbol collection, ITypeSymbol keyType, string? sessionKey, INamedTypeSymbol owner, Compilation compilation,
        Location location, Action<Diagnostic>? report, out KeyKind keyKind, out string accessor, out bool accessorIsString)
    {
        accessor = string.Empty;
        accessorIsString = false;
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
                report?.Invoke(Diagnostic.Create(Descriptors.SessionNotFoundInKey, location, member.Name, keyType.ToDisplayString(MessageFormat), problem));
                return false;
            }

            if (kind != CollectionKind.PendingOperations && report is not null)
            {
                report(Diagnostic.Create(Descriptors.CompositeKeyScan, location, member.Name, keyType.ToDisplayString(MessageFormat), collection.OriginalDefinition.Name));
            }
        }

        return true;
    }

    /// <summary>SG0006: a SyncRoot, when given, names a usable lock field; false when it does not (no code).</summary>
    private static bool CheckSyncRootField(
        ISymbol member, string? syncRoot, INamedTypeSymbol owner, Compilation compilation, Location location, Action<Diagnostic>? report, out bool syncRootIsStatic)
    {
        syncRootIsStatic = false;
        if (syncRoot is null)
        {
            return true;
        }

        string? problem = CheckSyncRoot(syncRoot, owner, compilation, out syncRootIsStatic);
        if (problem is not null)
        {
            report?.Invoke(Diagnostic.Create(Descriptors.InvalidSyncRoot, location, member.Name, syncRoot, problem, owner.ToDisplayString(MessageFormat)));
            return false;
        }

        return true;
    }
}
