using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// APIs whose tasks are placeholders by design, which SG1001 cannot infer:
/// <c>sessionguard.SG1001.owned_receiver_types</c> lists types (<c>Type</c> or <c>Namespace.Type</c>) whose calls
/// return tasks owned elsewhere (commands queued on a batch or transaction belong to its <c>Execute()</c>);
/// <c>sessionguard.SG1001.fire_and_forget_arguments</c> lists enum members or constants (<c>Type.Member</c> or
/// <c>Namespace.Type.Member</c>) whose value, passed as an argument, marks the call fire-and-forget by design
/// (<c>CommandFlags.FireAndForget</c>: the client returns a completed placeholder).
/// </summary>
internal sealed partial class FireAndForgetOptions
{
    internal const string OwnedReceiverTypesKey = "sessionguard.SG1001.owned_receiver_types";
    internal const string FireAndForgetArgumentsKey = "sessionguard.SG1001.fire_and_forget_arguments";

    private readonly string[] _ownedReceivers;
    private readonly string[] _placeholderArguments;

    /// <summary>
    /// True when the call is on a receiver of a configured owned type (the receiver's type, one of its base types or
    /// interfaces), or passes a configured fire-and-forget value (for a flags enum, any value that includes it).
    /// </summary>
    public bool IsPlaceholderCall(IInvocationOperation invocation)
    {
        if (_ownedReceivers.Length > 0)
        {
            var receiver = invocation.Instance?.Type
                ?? (invocation.TargetMethod.IsExtensionMethod && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value.Type : null);
            if (receiver is not null && IsOwnedReceiver(receiver))
            {
                return true;
            }
        }

        if (_placeholderArguments.Length > 0)
        {
            foreach (var argument in invocation.Arguments)
            {
                if (IsPlaceholderArgument(argument.Value))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private bool IsOwnedReceiver(ITypeSymbol receiver)
    {
        for (var type = receiver; type is not null; type = type.BaseType)
        {
            if (Matches(_ownedReceivers, type))
            {
                return true;
            }
        }

        foreach (var @interface in receiver.AllInterfaces)
        {
            if (Matches(_ownedReceivers, @interface))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsPlaceholderArgument(IOperation value)
    {
        if (value.Type is not INamedTypeSymbol type || !value.ConstantValue.HasValue || value.ConstantValue.Value is not { } constant)
        {
            return false;
        }

        foreach (var entry in _placeholderArguments)
        {
            int lastDot = entry.LastIndexOf('.');
            string qualifier = entry.Substring(0, lastDot);
            if (!Matches(qualifier, type)
                || type.GetMembers(entry.Substring(lastDot + 1)) is not { Length: > 0 } members
                || members[0] is not IFieldSymbol { HasConstantValue: true, ConstantValue: { } marker })
            {
                continue;
            }

            if (type.TypeKind == TypeKind.Enum)
            {
                long flag = Convert.ToInt64(marker, CultureInfo.InvariantCulture);
                long actual = Convert.ToInt64(constant, CultureInfo.InvariantCulture);
                if (flag == 0 ? actual == 0 : (actual & flag) == flag)
                {
                    return true;
                }
            }
            else if (marker.Equals(constant))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(string[] entries, ITypeSymbol type)
    {
        foreach (var entry in entries)
        {
            if (Matches(entry, type))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>Type</c> or <c>Namespace.Type</c> (nested types as <c>Outer.Inner</c>), generic arguments ignored.</summary>
    private static bool Matches(string entry, ITypeSymbol type)
    {
        if (string.Equals(entry, type.Name, StringComparison.Ordinal))
        {
            return true;
        }

        string full = type.OriginalDefinition.ToDisplayString(QualifiedName);
        return string.Equals(entry, full, StringComparison.Ordinal);
    }

    private static readonly SymbolDisplayFormat QualifiedName = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.None);

    private static IEnumerable<(string Key, string Value, string Problem)> PlaceholderProblems(AnalyzerConfigOptions config)
    {
        if (config.TryGetValue(OwnedReceiverTypesKey, out var receivers))
        {
            foreach (var part in receivers.Split(Separators, StringSplitOptions.RemoveEmptyEntries))
            {
                string entry = part.Trim();
                if (entry.Length > 0 && (entry.EndsWith("()", StringComparison.Ordinal) || OwnerEntry(entry) is null))
                {
                    yield return (OwnedReceiverTypesKey, entry, "expected a type name or Namespace.Type, separated by ',' (this entry is ignored)");
                }
            }
        }

        if (config.TryGetValue(FireAndForgetArgumentsKey, out var arguments))
        {
            foreach (var part in arguments.Split(Separators, StringSplitOptions.RemoveEmptyEntries))
            {
                string entry = part.Trim();
                if (entry.Length > 0 && (entry.EndsWith("()", StringComparison.Ordinal) || OwnerEntry(entry) is not { } name || name.IndexOf('.') < 0))
                {
                    yield return (FireAndForgetArgumentsKey, entry, "expected Type.Member or Namespace.Type.Member, separated by ',' (this entry is ignored)");
                }
            }
        }
    }
}
