using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// SG2001: a non-public field or auto-property of a dictionary or set type keyed by session (a
/// <c>SessionId</c>, a composite key holding one, or a string the type writes with a session-named key such as
/// <c>_map[sessionId]</c>, <c>client_uid</c>, <c>connectionId</c>) that is not <c>[SessionScoped]</c>, that the
/// type writes to and that the type never removes from (no Remove/TryRemove/Clear..., no reassignment outside the
/// constructor, and the collection is never handed to other code that might clean it). A collection ever written
/// with a compile-time constant key is a registry, not a per-session map; a key named only for a <c>client</c> (an
/// OAuth client id as much as a connected client) needs a second hint: another session word in the key, the
/// collection's name, its type's name or the name of the method that writes it. A connection string is configuration,
/// not a session: <c>connectionString</c> in a name, or a connection whose <c>ConnectionString</c> is the key, is no hint.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PerSessionCollectionAnalyzer : DiagnosticAnalyzer
{
    internal const string KeyProperty = "Key";

    private static readonly string[] SessionWords = { "session", "connection", "connid", "client", "socket", "peer", "callid", "channelid" };

    /// <summary>The second hints a key named only for a client needs (<see cref="SessionWords"/> but client, and lifecycle words).</summary>
    private static readonly string[] SecondHints = { "session", "connect", "connid", "socket", "peer", "callid", "channelid", "hub" };

    /// <summary>
    /// Holds a session word but names configuration: taken out of a name before the session words are looked for,
    /// since a pool or cache keyed by <c>connectionString</c> grows with distinct connection strings, not sessions.
    /// </summary>
    private const string ConnectionStringWord = "connectionstring";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.PerSessionCollection);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var types = new KnownTypes(start.Compilation);
            var collections = new CollectionTypes(start.Compilation);
            start.RegisterSymbolStartAction(symbolStart => OnType(symbolStart, types, collections), SymbolKind.NamedType);
        });
    }

    private static void OnType(SymbolStartAnalysisContext context, KnownTypes types, CollectionTypes collections)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        Dictionary<ISymbol, Candidate>? candidates = null;
        foreach (var member in type.GetMembers())
        {
            ITypeSymbol? memberType = member switch
            {
                IFieldSymbol { IsConst: false, IsImplicitlyDeclared: false } field => field.Type,
                IPropertySymbol { IsIndexer: false, Parameters.Length: 0 } property => property.Type,
                _ => null,
            };
            if (memberType is null || member.DeclaredAccessibility is Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal)
            {
                continue;
            }

            var key = collections.KeyType(memberType);
            if (key is null || HasSessionScoped(member, types) || (member is IPropertySymbol candidateProperty && !IsAutoProperty(candidateProperty)))
            {
                continue;
            }

            string? keyDescription = DescribeSessionKey(key, types);
            if (keyDescription is null && key.SpecialType != SpecialType.System_String)
            {
                continue;
            }

            candidates ??= new Dictionary<ISymbol, Candidate>(SymbolEqualityComparer.Default);
            candidates.Add(member, new Candidate(keyDescription, member.Name, type.Name));
        }

        if (candidates is null)
        {
            return;
        }

        var gate = new object();
        context.RegisterOperationAction(
            ctx =>
            {
                var reference = (IMemberReferenceOperation)ctx.Operation;
                if (!candidates.TryGetValue(reference.Member, out var candidate))
                {
                    return;
                }

                lock (gate)
                {
                    Classify(reference, candidate, ctx.ContainingSymbol);
                }
            },
            OperationKind.FieldReference,
            OperationKind.PropertyReference);

        context.RegisterSymbolEndAction(ctx =>
        {
            lock (gate)
            {
                foreach (var pair in candidates)
                {
                    var candidate = pair.Value;
                    if (candidate.Cleaned || !candidate.Written || candidate.ConstantKey || candidate.KeyDescription is null)
                    {
                        continue;
                    }

                    foreach (var location in pair.Key.Locations)
                    {
                        if (location.IsInSource)
                        {
                            ctx.ReportDiagnostic(Diagnostic.Create(
                                Descriptors.PerSessionCollection, location,
                                ImmutableDictionary<string, string?>.Empty.Add(KeyProperty, candidate.KeyDescription),
                                pair.Key.Name, candidate.KeyDescription, type.Name));
                        }
                    }
                }
            }
        });
    }

    private static void Classify(IMemberReferenceOperation reference, Candidate candidate, ISymbol containingSymbol)
    {
        var parent = reference.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation)
        {
            parent = parent.Parent;
        }

        switch (parent)
        {
            case IInvocationOperation invocation when invocation.Instance is not null && IsSame(invocation.Instance, reference):
                OnCall(invocation.TargetMethod.Name, invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null, candidate, containingSymbol);
                return;
            case IArgumentOperation { Parent: IInvocationOperation invocation } argument
                when invocation.TargetMethod.IsExtensionMethod && argument.Parameter?.Ordinal == 0:
                // LINQ only reads; another extension is treated like any method that takes the collection.
                if (invocation.TargetMethod.ContainingType?.ToDisplayString() != "System.Linq.Enumerable")
                {
                    candidate.Cleaned = true;
                }

                return;
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer when indexer.Instance is not null && IsSame(indexer.Instance, reference):
                if (indexer.Parent is ISimpleAssignmentOperation indexerAssignment && indexerAssignment.Target == indexer)
                {
                    candidate.Written = true;
                    candidate.NoteKey(indexer.Arguments.Length > 0 ? indexer.Arguments[0].Value : null, containingSymbol);
                }

                return;
            case IPropertyReferenceOperation or IFieldReferenceOperation or IForEachLoopOperation or IBinaryOperation or IIsPatternOperation or ILockOperation:
                return; // reads: Count, Keys, foreach, comparisons, lock
            case ISimpleAssignmentOperation assignment when assignment.Target == reference || IsSame(assignment.Target, reference):
                // Reassigning outside construction resets it.
                if (containingSymbol is not IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor })
                {
                    candidate.Cleaned = true;
                }

                return;
            case IFieldInitializerOperation or IPropertyInitializerOperation:
                return;
            case IArgumentOperation:
            case IReturnOperation:
            case ISimpleAssignmentOperation:
            case IVariableInitializerOperation:
            default:
                // Handed to other code: it may be cleaned there.
                candidate.Cleaned = true;
                return;
        }
    }

    private static void OnCall(string name, IOperation? firstArgument, Candidate candidate, ISymbol containingSymbol)
    {
        switch (name)
        {
            case "Remove":
            case "TryRemove":
            case "Clear":
            case "RemoveWhere":
            case "RemoveAll":
            case "ExceptWith":
            case "IntersectWith":
            case "SymmetricExceptWith":
            case "RemoveRange":
            case "SetItems":
                candidate.Cleaned = true;
                break;
            case "Add":
            case "TryAdd":
            case "GetOrAdd":
            case "AddOrUpdate":
            case "Set":
            case "SetItem":
                candidate.Written = true;
                candidate.NoteKey(firstArgument, containingSymbol);
                break;
        }
    }

    private static bool IsSame(IOperation operation, IMemberReferenceOperation reference)
    {
        operation = TaskOperations.Unwrap(operation);
        return operation == reference;
    }

    private static bool IsAutoProperty(IPropertySymbol property)
    {
        foreach (var member in property.ContainingType.GetMembers())
        {
            if (member is IFieldSymbol { AssociatedSymbol: { } associated } && SymbolEqualityComparer.Default.Equals(associated, property))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasSessionScoped(ISymbol member, KnownTypes types)
    {
        foreach (var attribute in member.GetAttributes())
        {
            if (KnownTypes.Same(attribute.AttributeClass, types.SessionScopedAttribute)
                || attribute.AttributeClass?.Name is "SessionScopedAttribute")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Describes a key that holds a session, or null when the key alone does not say so.</summary>
    private static string? DescribeSessionKey(ITypeSymbol key, KnownTypes types)
    {
        if (types.SessionId is null)
        {
            return null;
        }

        if (KnownTypes.Same(key, types.SessionId))
        {
            return "SessionId";
        }

        if (key is INamedTypeSymbol { IsTupleType: true } tuple)
        {
            foreach (var element in tuple.TupleElements)
            {
                if (KnownTypes.Same(element.Type, types.SessionId))
                {
                    return "a tuple holding a SessionId";
                }
            }

            return null;
        }

        if (key.SpecialType == SpecialType.None && key.TypeKind is TypeKind.Struct or TypeKind.Class && key.ContainingNamespace?.ToDisplayString() is not ("System" or "SessionGuard"))
        {
            foreach (var member in key.GetMembers())
            {
                var memberType = member switch
                {
                    IFieldSymbol { IsStatic: false } field => field.Type,
                    IPropertySymbol { IsStatic: false } property => property.Type,
                    _ => null,
                };
                if (KnownTypes.Same(memberType, types.SessionId))
                {
                    return $"'{key.Name}', which holds a SessionId";
                }
            }
        }

        return null;
    }

    internal static bool IsSessionNamed(string text) => Contains(text, SessionWords);

    /// <summary>True when the name holds a session word other than <c>client</c>: <c>clientId</c> alone is no hint.</summary>
    private static bool IsMoreThanClientNamed(string text) => Contains(text, SecondHints);

    /// <summary>True when the name is a connection string's (<c>connectionString</c>, <c>ConnectionStringName</c>).</summary>
    private static bool IsConnectionStringNamed(string text) => Normalize(text).IndexOf(ConnectionStringWord, StringComparison.Ordinal) >= 0;

    private static string Normalize(string text) => text.ToLowerInvariant().Replace("_", string.Empty);

    /// <summary>
    /// True when the identifier is the receiver of a member access chain that ends in a connection string
    /// (<c>connection.ConnectionString</c>, <c>options?.ConnectionString</c>): the key is the string, not the connection.
    /// </summary>
    private static bool IsConnectionStringReceiver(IdentifierNameSyntax identifier)
    {
        SyntaxNode current = identifier;
        string? last = null;
        while (true)
        {
            switch (current.Parent)
            {
                case MemberAccessExpressionSyntax access when access.Expression == current:
                    last = access.Name.Identifier.ValueText;
                    current = access;
                    continue;
                case ConditionalAccessExpressionSyntax { WhenNotNull: MemberBindingExpressionSyntax binding } conditional when conditional.Expression == current:
                    last = binding.Name.Identifier.ValueText;
                    current = conditional;
                    continue;
            }

            return last is not null && IsConnectionStringNamed(last);
        }
    }

    private static bool Contains(string text, string[] words)
    {
        string lower = Normalize(text).Replace(ConnectionStringWord, " ");
        foreach (var word in words)
        {
            if (lower.IndexOf(word, StringComparison.Ordinal) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private sealed class Candidate
    {
        private readonly string _memberName;
        private readonly string _typeName;

        public Candidate(string? keyDescription, string memberName, string typeName)
        {
            KeyDescription = keyDescription;
            _memberName = memberName;
            _typeName = typeName;
        }

        public string? KeyDescription { get; private set; }

        public bool Written { get; set; }

        public bool Cleaned { get; set; }

        /// <summary>Written with a compile-time constant key (<c>_clients["demo-client"]</c>): a registry.</summary>
        public bool ConstantKey { get; private set; }

        /// <summary>
        /// For a string key: a write with a session-named key makes it a per-session collection; a key named only
        /// for a client needs a second hint in the key, the collection's name, the type's or the writer's name.
        /// </summary>
        public void NoteKey(IOperation? key, ISymbol writer)
        {
            if (key is null)
            {
                return;
            }

            if (key.ConstantValue.HasValue)
            {
                ConstantKey = true;
                return;
            }

            if (KeyDescription is not null)
            {
                return;
            }

            foreach (var node in key.Syntax.DescendantNodesAndSelf())
            {
                if (node is IdentifierNameSyntax identifier && IsSessionNamed(identifier.Identifier.ValueText) && !IsConnectionStringReceiver(identifier)
                    && (IsMoreThanClientNamed(identifier.Identifier.ValueText) || IsMoreThanClientNamed(_memberName)
                        || IsMoreThanClientNamed(_typeName) || IsMoreThanClientNamed(writer.Name)))
                {
                    KeyDescription = $"a string written with the session-named key '{key.Syntax}'";
                    return;
                }
            }
        }
    }

    /// <summary>Finds the key type of dictionary and set types.</summary>
    private sealed class CollectionTypes
    {
        private readonly INamedTypeSymbol? _dictionary;
        private readonly INamedTypeSymbol? _readOnlyDictionary;
        private readonly INamedTypeSymbol? _set;
        private readonly INamedTypeSymbol? _immutableSet;

        public CollectionTypes(Compilation compilation)
        {
            _dictionary = compilation.GetTypeByMetadataName("System.Collections.Generic.IDictionary`2");
            _readOnlyDictionary = compilation.GetTypeByMetadataName("System.Collections.Generic.IReadOnlyDictionary`2");
            _set = compilation.GetTypeByMetadataName("System.Collections.Generic.ISet`1");
            _immutableSet = compilation.GetTypeByMetadataName("System.Collections.Immutable.IImmutableSet`1");
        }

        public ITypeSymbol? KeyType(ITypeSymbol type)
        {
            if (type is not INamedTypeSymbol named || !named.IsGenericType)
            {
                return null;
            }

            if (Matches(named, _dictionary) || Matches(named, _set) || Matches(named, _immutableSet))
            {
                return named.TypeArguments[0];
            }

            // ImmutableDictionary and friends only implement the read-only dictionary interface.
            bool immutable = named.ContainingNamespace?.ToDisplayString() == "System.Collections.Immutable";
            foreach (var @interface in named.AllInterfaces)
            {
                if (Matches(@interface, _dictionary) || Matches(@interface, _set) || Matches(@interface, _immutableSet)
                    || (immutable && Matches(@interface, _readOnlyDictionary)))
                {
                    return @interface.TypeArguments[0];
                }
            }

            return null;
        }

        private static bool Matches(INamedTypeSymbol type, INamedTypeSymbol? definition) =>
            definition is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, definition);
    }
}
