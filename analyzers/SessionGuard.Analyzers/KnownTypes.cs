using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace SessionGuard.Analyzers;

/// <summary>Well-known types of one compilation, resolved once by full metadata name.</summary>
internal sealed class KnownTypes
{
    private readonly ConcurrentDictionary<ITypeSymbol, bool> _awaitable = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ITypeSymbol, bool> _owners = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _handsBack = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _keeps = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _guarded = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _observesReturned = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _returnsSelfObserving = new(SymbolEqualityComparer.Default);
    private readonly Lazy<ImmutableArray<INamedTypeSymbol>> _sourceTypes;

    public KnownTypes(Compilation compilation)
    {
        Compilation = compilation;
        SourceAssembly = compilation.Assembly;
        _sourceTypes = new Lazy<ImmutableArray<INamedTypeSymbol>>(() => CollectTypes(compilation.Assembly.GlobalNamespace));
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        TaskFactory = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskFactory");
        TaskFactoryOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskFactory`1");
        Interlocked = compilation.GetTypeByMetadataName("System.Threading.Interlocked");
        Volatile = compilation.GetTypeByMetadataName("System.Threading.Volatile");
        INotifyCompletion = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.INotifyCompletion");
        EventArgs = compilation.GetTypeByMetadataName("System.EventArgs");
        IEnumerable = compilation.GetTypeByMetadataName("System.Collections.IEnumerable");
        IDisposable = compilation.GetTypeByMetadataName("System.IDisposable");
        Session = compilation.GetTypeByMetadataName("SessionGuard.Session");
        SessionId = compilation.GetTypeByMetadataName("SessionGuard.SessionId");
        SessionRegistry = compilation.GetTypeByMetadataName("SessionGuard.SessionRegistry");
        ISessionScoped = compilation.GetTypeByMetadataName("SessionGuard.ISessionScoped");
        SessionScopedAttribute = compilation.GetTypeByMetadataName("SessionGuard.SessionScopedAttribute");
        TaskExtensions = compilation.GetTypeByMetadataName("SessionGuard.TaskExtensions");
    }

    /// <summary>The compilation analyzed: for the semantic model of a callee's body in another tree.</summary>
    public Compilation Compilation { get; }

    /// <summary>Every type declared in this compilation (nested ones included), collected once when first asked for.</summary>
    public ImmutableArray<INamedTypeSymbol> SourceTypes => _sourceTypes.Value;

    /// <summary>The assembly the compilation builds: its types are the ones whose shape the analyzers may rely on.</summary>
    public IAssemblySymbol SourceAssembly { get; }

    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTask { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? TaskFactory { get; }
    public INamedTypeSymbol? TaskFactoryOfT { get; }
    public INamedTypeSymbol? Interlocked { get; }
    public INamedTypeSymbol? Volatile { get; }
    public INamedTypeSymbol? INotifyCompletion { get; }
    public INamedTypeSymbol? EventArgs { get; }
    public INamedTypeSymbol? IEnumerable { get; }
    public INamedTypeSymbol? IDisposable { get; }
    public INamedTypeSymbol? Session { get; }
    public INamedTypeSymbol? SessionId { get; }
    public INamedTypeSymbol? SessionRegistry { get; }
    public INamedTypeSymbol? ISessionScoped { get; }
    public INamedTypeSymbol? SessionScopedAttribute { get; }
    public INamedTypeSymbol? TaskExtensions { get; }

    /// <summary>True for Task, ValueTask, their generic forms and any type with an instance <c>GetAwaiter()</c> pattern.</summary>
    public bool IsAwaitable(ITypeSymbol? type)
    {
        if (type is null || type.TypeKind == TypeKind.Error || type.TypeKind == TypeKind.Dynamic || type.SpecialType != SpecialType.None)
        {
            return false;
        }

        // _writer?.WriteAsync(x) is a ValueTask? : still a task somebody must observe.
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            return IsAwaitable(nullable.TypeArguments[0]);
        }

        if (type is INamedTypeSymbol named)
        {
            var original = named.OriginalDefinition;
            if (Same(original, Task) || Same(original, TaskOfT) || Same(original, ValueTask) || Same(original, ValueTaskOfT))
            {
                return true;
            }
        }

        if (type.TypeKind is TypeKind.Interface or TypeKind.Enum or TypeKind.Delegate or TypeKind.Array or TypeKind.Pointer)
        {
            return false;
        }

        if (_awaitable.TryGetValue(type, out bool known))
        {
            return known;
        }

        bool result = HasAwaiterPattern(type);
        _awaitable.TryAdd(type, result);
        return result;
    }

    /// <summary>True for Task and Task&lt;T&gt; (and types derived from them).</summary>
    public bool IsTask(ITypeSymbol? type)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
        {
            if (Same(t.OriginalDefinition, Task) || Same(t.OriginalDefinition, TaskOfT))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for Task, Task&lt;T&gt;, ValueTask and ValueTask&lt;T&gt; themselves (not types holding them).</summary>
    public bool IsTaskLike(ITypeSymbol? type) => IsTask(type) || IsValueTask(type);

    /// <summary>True for ValueTask and ValueTask&lt;T&gt;.</summary>
    public bool IsValueTask(ITypeSymbol? type) =>
        type is INamedTypeSymbol named && (Same(named.OriginalDefinition, ValueTask) || Same(named.OriginalDefinition, ValueTaskOfT));

    public bool DerivesFromEventArgs(ITypeSymbol? type)
    {
        if (EventArgs is null)
        {
            return false;
        }

        for (var t = type; t is not null; t = t.BaseType)
        {
            if (Same(t, EventArgs))
            {
                return true;
            }
        }

        // A type parameter constrained to EventArgs (TEventArgs in EventHandler<TEventArgs>) counts too.
        if (type is ITypeParameterSymbol parameter)
        {
            foreach (var constraint in parameter.ConstraintTypes)
            {
                if (DerivesFromEventArgs(constraint))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>True for the shape of an event handler: (object sender, EventArgs-derived e).</summary>
    public bool IsEventHandlerShape(IMethodSymbol method) =>
        method.Parameters.Length == 2
        && method.Parameters[0].Type.SpecialType == SpecialType.System_Object
        && DerivesFromEventArgs(method.Parameters[1].Type);

    /// <summary>
    /// True for an owner of per-session state: a type implementing ISessionScoped, or one with [SessionScoped]
    /// members (the generator makes it implement the interface; counted even when the generator did not run).
    /// </summary>
    public bool IsSessionOwner(INamedTypeSymbol type)
    {
        if (_owners.TryGetValue(type, out bool known))
        {
            return known;
        }

        bool result = ComputeIsSessionOwner(type);
        _owners.TryAdd(type, result);
        return result;
    }

    /// <summary>
    /// True for <c>Session.EndAsync</c> and <c>SessionRegistry.EndAsync</c> of the SessionGuard runtime: the teardown
    /// they return belongs to the registry, which waits for it in <c>DisposeAsync</c>, and it completes with a report,
    /// never a fault (a cancelled wait only cancels the caller's copy).
    /// </summary>
    public bool IsSessionTeardown(IMethodSymbol method) =>
        method.Name == "EndAsync" && (Same(method.ContainingType, Session) || Same(method.ContainingType, SessionRegistry));

    /// <summary>
    /// True when <paramref name="method"/> (an original definition) returns one of its own task parameters on every
    /// return: see <see cref="HandBackMethods.ReturnsOwnTaskParameter"/>. Cached per method.
    /// </summary>
    public bool HandsBackTaskParameter(IMethodSymbol method) =>
        SourceMethodAnswer(_handsBack, method, static (m, t) => HandBackMethods.ReturnsOwnTaskParameter(m, t));

    /// <summary>
    /// True when <paramref name="method"/> (an original definition of this compilation) stores the task it returns in
    /// a field of its type that the type joins at teardown: see <see cref="KeptTaskMethods.KeepsReturnedTask"/>. Cached.
    /// </summary>
    public bool KeepsReturnedTask(IMethodSymbol method) =>
        SourceMethodAnswer(_keeps, method, static (m, t) => KeptTaskMethods.KeepsReturnedTask(m, t));

    /// <summary>
    /// True when <paramref name="method"/> (an original definition of this compilation) observes its own faults: see
    /// <see cref="GuardedBodies.IsGuardedMethod"/> and <see cref="FaultFreeBodies.IsFaultFreeMethod(IMethodSymbol, KnownTypes)"/>. Cached per method.
    /// </summary>
    public bool IsGuardedMethod(IMethodSymbol method) =>
        SourceMethodAnswer(_guarded, method, static (m, t) => GuardedBodies.IsGuardedMethod(m) || FaultFreeBodies.IsFaultFreeMethod(m, t));

    /// <summary>
    /// True when <paramref name="method"/> (an original definition of this compilation) only hands back work that
    /// observes itself: see <see cref="SelfObservingWork.ReturnsSelfObservingWork(IMethodSymbol, KnownTypes)"/>. Cached per method.
    /// </summary>
    public bool ReturnsSelfObservingWork(IMethodSymbol method) =>
        SourceMethodAnswer(_returnsSelfObserving, method, static (m, t) => SelfObservingWork.ReturnsSelfObservingWork(m, t));

    /// <summary>
    /// True when <paramref name="method"/> (an original definition) observes the task it returns before returning it:
    /// see <see cref="ObservedReturns.ObservesReturnedTask"/>. Cached per method.
    /// </summary>
    public bool ObservesReturnedTask(IMethodSymbol method) =>
        SourceMethodAnswer(_observesReturned, method, static (m, t) => ObservedReturns.ObservesReturnedTask(m, t));

    /// <summary>
    /// A question about a method's body, answered once per method. A method with no source (from metadata) has no body
    /// to read: false.
    /// </summary>
    private bool SourceMethodAnswer(ConcurrentDictionary<IMethodSymbol, bool> cache, IMethodSymbol method, System.Func<IMethodSymbol, KnownTypes, bool> answer)
    {
        if (method.DeclaringSyntaxReferences.IsEmpty)
        {
            return false;
        }

        if (cache.TryGetValue(method, out bool known))
        {
            return known;
        }

        bool result = answer(method, this);
        cache.TryAdd(method, result);
        return result;
    }

    public static bool Same(ISymbol? a, ISymbol? b) => a is not null && SymbolEqualityComparer.Default.Equals(a, b);

    /// <summary>
    /// For each class or struct of this compilation that implements the interface of <paramref name="interfaceMethod"/>,
    /// the method it runs for it (an original definition), or null when it has none.
    /// </summary>
    public IEnumerable<IMethodSymbol?> ImplementationsInSource(IMethodSymbol interfaceMethod)
    {
        var @interface = interfaceMethod.ContainingType;
        foreach (var type in SourceTypes)
        {
            if (type.TypeKind is TypeKind.Class or TypeKind.Struct && Implements(type, @interface))
            {
                yield return (type.FindImplementationForInterfaceMember(interfaceMethod) as IMethodSymbol)?.OriginalDefinition;
            }
        }
    }

    /// <summary>True when <paramref name="type"/> implements <paramref name="interface"/>, directly or through a base.</summary>
    public static bool Implements(INamedTypeSymbol type, INamedTypeSymbol? @interface)
    {
        if (@interface is null)
        {
            return false;
        }

        foreach (var candidate in type.AllInterfaces)
        {
            if (Same(candidate, @interface))
            {
                return true;
            }
        }

        return false;
    }

    private static ImmutableArray<INamedTypeSymbol> CollectTypes(INamespaceSymbol root)
    {
        var types = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
        var namespaces = new System.Collections.Generic.Stack<INamespaceSymbol>();
        namespaces.Push(root);
        while (namespaces.Count > 0)
        {
            var current = namespaces.Pop();
            foreach (var member in current.GetMembers())
            {
                if (member is INamespaceSymbol nested)
                {
                    namespaces.Push(nested);
                }
                else if (member is INamedTypeSymbol type)
                {
                    AddWithNested(type, types);
                }
            }
        }

        return types.ToImmutable();
    }

    private static void AddWithNested(INamedTypeSymbol type, ImmutableArray<INamedTypeSymbol>.Builder types)
    {
        types.Add(type);
        foreach (var nested in type.GetTypeMembers())
        {
            AddWithNested(nested, types);
        }
    }

    private bool ComputeIsSessionOwner(INamedTypeSymbol type)
    {
        foreach (var @interface in type.AllInterfaces)
        {
            if (Same(@interface, ISessionScoped))
            {
                return true;
            }
        }

        if (SessionScopedAttribute is null)
        {
            return false;
        }

        foreach (var member in type.GetMembers())
        {
            if (member.Kind is SymbolKind.Field or SymbolKind.Property)
            {
                foreach (var attribute in member.GetAttributes())
                {
                    if (Same(attribute.AttributeClass, SessionScopedAttribute))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private bool HasAwaiterPattern(ITypeSymbol type)
    {
        foreach (var member in type.GetMembers("GetAwaiter"))
        {
            if (member is IMethodSymbol { IsStatic: false, Parameters.Length: 0, ReturnsVoid: false } getAwaiter
                && getAwaiter.DeclaredAccessibility == Accessibility.Public
                && IsAwaiter(getAwaiter.ReturnType))
            {
                return true;
            }
        }

        return type.BaseType is { } baseType && baseType.SpecialType == SpecialType.None && HasAwaiterPattern(baseType);
    }

    private bool IsAwaiter(ITypeSymbol awaiter)
    {
        if (INotifyCompletion is not null)
        {
            bool implements = false;
            foreach (var i in awaiter.AllInterfaces)
            {
                if (Same(i, INotifyCompletion))
                {
                    implements = true;
                    break;
                }
            }

            if (!implements)
            {
                return false;
            }
        }

        return !awaiter.GetMembers("GetResult").IsEmpty && !awaiter.GetMembers("IsCompleted").IsEmpty;
    }
}
