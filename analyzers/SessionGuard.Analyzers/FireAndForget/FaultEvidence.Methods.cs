using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace SessionGuard.Analyzers;

/// <summary>The methods of this compilation <see cref="FaultEvidence"/> reads: bodies, interface implementations.</summary>
internal sealed partial class FaultEvidence
{
    /// <summary>Each interface method's implementations in this compilation (null: one cannot be read).</summary>
    private readonly Dictionary<IMethodSymbol, List<IMethodSymbol>?> _implementations = new(SymbolEqualityComparer.Default);

    /// <summary>
    /// Evidence in the body of a method or local function of this compilation, read <paramref name="depth"/> methods
    /// deep, with <paramref name="bindings"/> for its delegate parameters.
    /// </summary>
    private bool Method(IMethodSymbol method, int depth, Dictionary<IParameterSymbol, IOperation>? bindings)
    {
        // With delegates bound, the answer belongs to this call alone.
        bool shared = bindings is null;
        if (shared && _methods.TryGetValue(method, out string? known))
        {
            _evidence = known;
            return known is not null;
        }

        if (!_reading.Add(method))
        {
            // A call back into a method being read adds nothing new, but the answer of the methods in between is partial.
            _cutShort = true;
            return false;
        }

        var outerBindings = _bindings;
        bool outerCut = _cutShort;
        _bindings = bindings ?? new Dictionary<IParameterSymbol, IOperation>(SymbolEqualityComparer.Default);
        _cutShort = false;
        try
        {
            bool result = FunctionBodies.BodyOperation(method, _types.Compilation) is { } body
                && Body(body, depth, returnsWork: !method.IsAsync && _types.IsAwaitable(method.ReturnType));
            if (shared && !_cutShort)
            {
                _methods[method] = result ? _evidence : null;
            }

            return result;
        }
        finally
        {
            _cutShort |= outerCut;
            _bindings = outerBindings;
            _reading.Remove(method);
        }
    }

    /// <summary>The part of a partial method that has the body.</summary>
    private static IMethodSymbol Implementation(IMethodSymbol method) => method.PartialImplementationPart ?? method;

    /// <summary>A method of this compilation with one body that no override replaces (or, for an implementation, any).</summary>
    private bool IsReadable(IMethodSymbol method, bool allowOverride = false) =>
        KnownTypes.Same(method.ContainingAssembly, _types.SourceAssembly)
        && method.DeclaringSyntaxReferences.Length == 1
        && !(method.IsAbstract || method.IsExtern || method.IsPartialDefinition || (!allowOverride && (method.IsVirtual || method.IsOverride)))
        && method.MethodKind is MethodKind.Ordinary or MethodKind.LocalFunction or MethodKind.ReducedExtension or MethodKind.ExplicitInterfaceImplementation;

    /// <summary>
    /// A method of an interface of this compilation (not generic): what every class or struct of this compilation that
    /// implements it runs, overrides of a virtual implementation included; null when one cannot be read, or there is
    /// none. An implementation outside this compilation is not seen.
    /// </summary>
    private List<IMethodSymbol>? InterfaceImplementations(IMethodSymbol method)
    {
        if (method.ContainingType is not { TypeKind: TypeKind.Interface, IsGenericType: false } @interface
            || !KnownTypes.Same(@interface.ContainingAssembly, _types.SourceAssembly) || method.IsGenericMethod)
        {
            return null;
        }

        if (_implementations.TryGetValue(method, out var known))
        {
            return known;
        }

        var implementations = new List<IMethodSymbol>();
        foreach (var implementation in _types.ImplementationsInSource(method))
        {
            if (implementation is null || !AddReadable(implementations, Implementation(implementation)))
            {
                implementations = null;
                break;
            }
        }

        if (implementations is { Count: 0 })
        {
            implementations = null;
        }

        _implementations[method] = implementations;
        return implementations;
    }

    /// <summary>Adds the implementation and, when it is virtual, its overrides; false when one cannot be read.</summary>
    private bool AddReadable(List<IMethodSymbol> implementations, IMethodSymbol implementation)
    {
        if (!IsReadable(implementation, allowOverride: true))
        {
            return false;
        }

        if (!implementations.Contains(implementation, SymbolEqualityComparer.Default))
        {
            implementations.Add(implementation);
        }

        if (!(implementation.IsVirtual || implementation.IsOverride) || implementation.IsSealed)
        {
            return true;
        }

        foreach (var type in _types.SourceTypes)
        {
            foreach (var member in type.GetMembers(implementation.Name))
            {
                if (member is IMethodSymbol { IsOverride: true } candidate && Overrides(candidate, implementation)
                    && !implementations.Contains(candidate.OriginalDefinition, SymbolEqualityComparer.Default)
                    && !AddReadable(implementations, candidate.OriginalDefinition))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool Overrides(IMethodSymbol candidate, IMethodSymbol method)
    {
        for (var overridden = candidate.OverriddenMethod; overridden is not null; overridden = overridden.OverriddenMethod)
        {
            if (KnownTypes.Same(overridden.OriginalDefinition, method))
            {
                return true;
            }
        }

        return false;
    }

    private bool NoneFaults(List<IMethodSymbol> implementations, int depth)
    {
        foreach (var implementation in implementations)
        {
            if (Method(implementation, depth, null))
            {
                return false;
            }
        }

        return true;
    }
}
