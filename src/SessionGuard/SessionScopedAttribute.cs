using System;

namespace SessionGuard;

/// <summary>
/// Marks a per-session collection. The SessionGuard source generator makes the containing (partial) type
/// implement <see cref="ISessionScoped"/> so that every entry of a session is removed, and its value
/// disposed, when that session ends.
/// </summary>
/// <remarks>
/// Supported members are instance fields or properties of type <c>IDictionary&lt;K,V&gt;</c>,
/// <c>Dictionary&lt;K,V&gt;</c>, <c>ConcurrentDictionary&lt;K,V&gt;</c>, <c>ISet&lt;K&gt;</c>, <c>HashSet&lt;K&gt;</c>,
/// <see cref="PendingOperations{TKey, TResult}"/> and <c>SessionMap&lt;K,V&gt;</c>, keyed by <see cref="SessionId"/>,
/// by <see cref="string"/> (the id's <see cref="SessionId.Value"/>), or by a composite key with exactly one
/// <see cref="SessionId"/> member (or the one named by <see cref="SessionKey"/>).
/// </remarks>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SessionScopedAttribute : Attribute
{
    /// <summary>
    /// For a composite key: the name of the key's member (field, property or tuple element) that holds the
    /// session. Needed only when the key has no or several <see cref="SessionId"/> members.
    /// </summary>
    public string? SessionKey { get; set; }

    /// <summary>
    /// For a collection that is not thread-safe: the name of a field of the owner that the generated release
    /// code locks while it removes entries. The owner must take the same lock whenever it touches the collection.
    /// </summary>
    public string? SyncRoot { get; set; }
}
