using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Threading;

namespace SessionGuard;

/// <summary>
/// A thread-safe dictionary for composite keys (for example <c>(SessionId Session, string Turn, string Lang)</c>)
/// that keeps its entries grouped by session, so that <see cref="TryRemoveSession"/> costs O(that session's
/// entries) instead of a scan of the whole map.
/// </summary>
/// <typeparam name="TKey">The composite key.</typeparam>
/// <typeparam name="TValue">The value.</typeparam>
/// <remarks>
/// <para>
/// The map learns a key's session from the <c>sessionOf</c> function given to the constructor
/// (<c>new SessionMap&lt;BufferKey, Chunk[]&gt;(static k =&gt; k.Session)</c>). The function must be pure: the same
/// key must always map to the same session. A key that maps to <c>default(SessionId)</c> is rejected with
/// <see cref="ArgumentException"/>.
/// </para>
/// <para>
/// Thread-safety: every member may be called from any thread. Operations on one session are serialized by a
/// lock private to that session; operations on different sessions do not contend. A value factory passed to
/// <see cref="GetOrAdd(TKey, Func{TKey, TValue})"/> runs under that session's lock, so it must be short and must not
/// touch the same map. Once <see cref="TryRemoveSession"/> has returned, no entry of that session added before the
/// call remains; an entry added concurrently with or after the call starts a new group for the session.
/// </para>
/// <para>As a <see cref="SessionScopedAttribute"/> member the generated release calls <see cref="TryRemoveSession"/>.</para>
/// </remarks>
public sealed class SessionMap<TKey, TValue> : IEnumerable<KeyValuePair<TKey, TValue>>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<SessionId, Group> _groups = new();
    private readonly Func<TKey, SessionId> _sessionOf;
    private readonly IEqualityComparer<TKey>? _comparer;
    private int _count;

    /// <summary>Creates an empty map.</summary>
    /// <param name="sessionOf">Returns the session a key belongs to; must be pure and never return <c>default(SessionId)</c>.</param>
    /// <param name="comparer">Compares keys; the default comparer when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sessionOf"/> is null.</exception>
    public SessionMap(Func<TKey, SessionId> sessionOf, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(sessionOf);
        _sessionOf = sessionOf;
        _comparer = comparer;
    }

    /// <summary>How many entries the map holds, over all sessions.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>How many sessions have at least one entry.</summary>
    public int SessionCount => _groups.Count;

    /// <summary>The sessions that hold at least one entry now (a snapshot).</summary>
    public IReadOnlyList<SessionId> Sessions
    {
        get
        {
            var sessions = new List<SessionId>(_groups.Count);
            foreach (var pair in _groups)
            {
                lock (pair.Value)
                {
                    if (!pair.Value.Closed && pair.Value.Entries.Count > 0)
                    {
                        sessions.Add(pair.Key);
                    }
                }
            }

            return sessions;
        }
    }

    /// <summary>Gets or sets the value of <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">Getting a key that is not in the map.</exception>
    /// <exception cref="ArgumentException">The key maps to <c>default(SessionId)</c>.</exception>
    public TValue this[TKey key]
    {
        get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The key '{key}' is not in the map.");
        set => Write(key, value, overwrite: true, out _);
    }

    /// <summary>Adds <paramref name="key"/> when it is not in the map.</summary>
    /// <returns>True when added; false when the key was already present (its value is unchanged).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException">The key maps to <c>default(SessionId)</c>.</exception>
    public bool TryAdd(TKey key, TValue value) => Write(key, value, overwrite: false, out _);

    /// <summary>Gets the value of <paramref name="key"/>, adding the value made by <paramref name="valueFactory"/> when absent.</summary>
    /// <remarks>The factory runs under the session's lock, at most once per call.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="valueFactory"/> is null.</exception>
    /// <exception cref="ArgumentException">The key maps to <c>default(SessionId)</c>.</exception>
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> valueFactory)
    {
        ArgumentNullException.ThrowIfNull(valueFactory);
        SessionId session = SessionOf(key);
        while (true)
        {
            Group group = _groups.GetOrAdd(session, static (_, comparer) => new Group(comparer), _comparer);
            lock (group)
            {
                if (group.Closed)
                {
                    continue;
                }

                if (group.Entries.TryGetValue(key, out var existing))
                {
                    return existing;
                }

                TValue created;
                try
                {
                    created = valueFactory(key);
                }
                catch
                {
                    CloseIfEmpty(session, group);
                    throw;
                }

                group.Entries.Add(key, created);
                Interlocked.Increment(ref _count);
                return created;
            }
        }
    }

    /// <summary>Gets the value of <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException">The key maps to <c>default(SessionId)</c>.</exception>
    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        SessionId session = SessionOf(key);
        if (_groups.TryGetValue(session, out var group))
        {
            lock (group)
            {
                if (!group.Closed && group.Entries.TryGetValue(key, out value))
                {
                    return true;
                }
            }
        }

        value = default;
        return false;
    }

    /// <summary>True when <paramref name="key"/> is in the map.</summary>
    public bool ContainsKey(TKey key) => TryGetValue(key, out _);

    /// <summary>Removes <paramref name="key"/>.</summary>
    /// <returns>True when the key was present; <paramref name="value"/> then holds its value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException">The key maps to <c>default(SessionId)</c>.</exception>
    public bool TryRemove(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        SessionId session = SessionOf(key);
        if (_groups.TryGetValue(session, out var group))
        {
            lock (group)
            {
                if (!group.Closed && group.Entries.Remove(key, out value))
                {
                    Interlocked.Decrement(ref _count);
                    CloseIfEmpty(session, group);
                    return true;
                }
            }
        }

        value = default;
        return false;
    }

    /// <summary>How many entries <paramref name="session"/> holds now.</summary>
    public int CountOf(SessionId session)
    {
        if (_groups.TryGetValue(session, out var group))
        {
            lock (group)
            {
                return group.Closed ? 0 : group.Entries.Count;
            }
        }

        return 0;
    }

    /// <summary>
    /// Removes every entry of <paramref name="session"/> at once, in O(that session's entries).
    /// </summary>
    /// <param name="session">The session whose entries to remove.</param>
    /// <param name="removed">
    /// When the method returns true: the removed entries, in a dictionary that no longer belongs to the map and
    /// that the caller may keep, read or change (for example to dispose the values).
    /// </param>
    /// <returns>True when the session had at least one entry.</returns>
    public bool TryRemoveSession(SessionId session, [NotNullWhen(true)] out Dictionary<TKey, TValue>? removed)
    {
        if (_groups.TryRemove(session, out var group))
        {
            lock (group)
            {
                if (!group.Closed)
                {
                    group.Closed = true;
                    Interlocked.Add(ref _count, -group.Entries.Count);
                    removed = group.Entries;
                    return removed.Count > 0;
                }
            }
        }

        removed = null;
        return false;
    }

    /// <summary>
    /// Enumerates a snapshot taken one session at a time: entries of one session are consistent with each other;
    /// changes made during the enumeration may or may not be seen.
    /// </summary>
    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator()
    {
        foreach (var pair in _groups)
        {
            KeyValuePair<TKey, TValue>[] snapshot;
            lock (pair.Value)
            {
                if (pair.Value.Closed)
                {
                    continue;
                }

                snapshot = new KeyValuePair<TKey, TValue>[pair.Value.Entries.Count];
                ((ICollection<KeyValuePair<TKey, TValue>>)pair.Value.Entries).CopyTo(snapshot, 0);
            }

            foreach (var entry in snapshot)
            {
                yield return entry;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private bool Write(TKey key, TValue value, bool overwrite, out bool added)
    {
        SessionId session = SessionOf(key);
        while (true)
        {
            Group group = _groups.GetOrAdd(session, static (_, comparer) => new Group(comparer), _comparer);
            lock (group)
            {
                if (group.Closed)
                {
                    // Released (or emptied) between the lookup and the lock: use a fresh group.
                    continue;
                }

                if (overwrite)
                {
                    int before = group.Entries.Count;
                    group.Entries[key] = value;
                    added = group.Entries.Count != before;
                }
                else
                {
                    added = group.Entries.TryAdd(key, value);
                }

                if (added)
                {
                    Interlocked.Increment(ref _count);
                }

                return added || overwrite;
            }
        }
    }

    // Caller holds the group's lock. An empty group must not outlive its last entry: close it and drop it from the index.
    private void CloseIfEmpty(SessionId session, Group group)
    {
        if (group.Entries.Count == 0)
        {
            group.Closed = true;
            _groups.TryRemove(new KeyValuePair<SessionId, Group>(session, group));
        }
    }

    private SessionId SessionOf(TKey key)
    {
        if (key is null)
        {
            throw new ArgumentNullException(nameof(key));
        }

        SessionId session = _sessionOf(key);
        if (session.IsDefault)
        {
            throw new ArgumentException($"The sessionOf function mapped the key '{key}' to default(SessionId); every key must belong to a real session.", nameof(key));
        }

        return session;
    }

    private sealed class Group
    {
        public Group(IEqualityComparer<TKey>? comparer) => Entries = new Dictionary<TKey, TValue>(comparer);

        public Dictionary<TKey, TValue> Entries { get; }

        public bool Closed { get; set; }
    }
}
