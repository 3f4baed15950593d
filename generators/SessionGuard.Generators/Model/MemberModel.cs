namespace SessionGuard.Generators.Model;

/// <summary>The collection types the generator can release.</summary>
internal enum CollectionKind
{
    Dictionary,
    IDictionary,
    ConcurrentDictionary,
    HashSet,
    ISet,
    PendingOperations,
    SessionMap,
}

/// <summary>How a key tells its session.</summary>
internal enum KeyKind
{
    /// <summary>The key is the <c>SessionId</c>.</summary>
    SessionId,

    /// <summary>The key is the session id's string value.</summary>
    String,

    /// <summary>A member of the key (see <see cref="MemberModel.KeyAccessor"/>) holds the session.</summary>
    Composite,

    /// <summary>The collection knows the session of each key itself (<c>SessionMap</c>).</summary>
    Indexed,
}

/// <summary>What to do with a removed value.</summary>
internal enum DisposalKind
{
    /// <summary>Nothing: the value type cannot be disposable (or is a task, which must not be disposed).</summary>
    None,

    /// <summary>The static type is a sealed type or a struct implementing <c>IDisposable</c>.</summary>
    Disposable,

    /// <summary>The static type is a sealed type or a struct implementing <c>IAsyncDisposable</c>.</summary>
    AsyncDisposable,

    /// <summary>A <c>CancellationTokenSource</c>: cancelled, then disposed.</summary>
    CancellationTokenSource,

    /// <summary>The static type could hold a disposable at run time: test the value.</summary>
    Runtime,
}

/// <summary>
/// One <c>[SessionScoped]</c> member. It names no types: the generated code lets the compiler infer the key and
/// value types from the member, so the transform never needs <c>SymbolDisplay</c>.
/// </summary>
/// <param name="Name">The member's name as written (without <c>@</c>).</param>
/// <param name="Collection">The collection kind.</param>
/// <param name="Key">How a key tells its session.</param>
/// <param name="KeyIsReferenceType">The key type may be null (sets may hold a null element).</param>
/// <param name="KeyAccessor">For <see cref="KeyKind.Composite"/>: the key's member holding the session (tuple elements as <c>ItemN</c>).</param>
/// <param name="KeyAccessorIsString">For <see cref="KeyKind.Composite"/>: the accessor is a string holding the id's value.</param>
/// <param name="Disposal">What to do with a removed value.</param>
/// <param name="SyncRoot">The lock field's name, empty when none.</param>
/// <param name="SyncRootIsStatic">The lock field is static.</param>
internal sealed record MemberModel(
    string Name,
    CollectionKind Collection,
    KeyKind Key,
    bool KeyIsReferenceType,
    string KeyAccessor,
    bool KeyAccessorIsString,
    DisposalKind Disposal,
    string SyncRoot,
    bool SyncRootIsStatic)
{
    /// <summary>True for collections that are not thread-safe by themselves.</summary>
    public bool IsPlain => Collection is CollectionKind.Dictionary or CollectionKind.IDictionary or CollectionKind.HashSet or CollectionKind.ISet;

    /// <summary>True for collections whose entries carry a value.</summary>
    public bool HasValues => Collection is CollectionKind.Dictionary or CollectionKind.IDictionary or CollectionKind.ConcurrentDictionary or CollectionKind.SessionMap;
}
