using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace SessionGuard.Analyzers;

/// <summary>The reports of <see cref="FaultEvidence"/>: SG1001 naming the evidence it found, SG1005 without.</summary>
internal sealed partial class FaultEvidence
{
    /// <summary>
    /// The report of a dropped task: SG1001 naming the evidence of a fault when its work shows one, SG1005 otherwise.
    /// <paramref name="what"/> and <paramref name="how"/> are the messages' first two arguments.
    /// </summary>
    public static Diagnostic Report(IOperation work, KnownTypes types, Location location, ImmutableDictionary<string, string?> properties, string what, string how) =>
        Find(work, types) is { } evidence
            ? Diagnostic.Create(Descriptors.FireAndForget, location, properties, what, how, evidence)
            : Diagnostic.Create(Descriptors.FireAndForgetNoVisibleFault, location, properties, what, how);

    /// <summary>Records evidence found at <paramref name="at"/>: what it is, the member it is in, its file and line.</summary>
    private bool Found(string what, IOperation at)
    {
        var span = at.Syntax.GetLocation().GetLineSpan();
        string where = span.IsValid ? $" ({System.IO.Path.GetFileName(span.Path)}:{span.StartLinePosition.Line + 1})" : "";
        string member = at.SemanticModel?.GetEnclosingSymbol(at.Syntax.SpanStart) is { } symbol ? $", in '{Name(MemberOf(symbol))}'" : "";
        _evidence = what + member + where;
        return true;
    }

    /// <summary>The method, property or type a symbol (a lambda, a local function) is declared in.</summary>
    private static ISymbol MemberOf(ISymbol symbol)
    {
        while (symbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction, ContainingSymbol: { } outer })
        {
            symbol = outer;
        }

        return symbol is IMethodSymbol { AssociatedSymbol: { } property } ? property : symbol;
    }

    /// <summary>A member as <c>Type.Member</c>.</summary>
    private static string Name(ISymbol symbol) =>
        symbol.ContainingType is { } type ? type.Name + "." + symbol.Name : symbol.Name;

    /// <summary>Why a method's work is not read: it is another assembly's, abstract or virtual, or an interface's.</summary>
    private string Unread(IMethodSymbol method) =>
        !KnownTypes.Same(method.ContainingAssembly, _types.SourceAssembly) ? $"'{Name(method)}' of another assembly"
        : method.ContainingType?.TypeKind == TypeKind.Interface ? $"'{Name(method)}', an interface member with an implementation the analyzer cannot read"
        : method.IsAbstract || method.IsVirtual || method.IsOverride ? $"'{Name(method)}', which an override can replace"
        : $"'{Name(method)}', which the analyzer does not read";
}
