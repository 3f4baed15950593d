using System.Collections.Generic;
using System.Threading;

namespace SessionGuard;

/// <summary>
/// Finds the idlest active session for <see cref="SessionOverflowPolicy.EvictIdlest"/> in amortized O(log n), with
/// nothing added to <see cref="Session.Touch"/>: a min-heap of sessions keyed by the last activity seen when each entry
/// was made. Activity only moves forward, so an entry's key is never later than its session's true last activity; the
/// minimum entry whose key is still current is therefore the idlest session. A stale minimum (its session was touched
/// since) is re-keyed and the search goes on, which a touch pays for at most once per eviction. The heap holds small
/// entries, not sessions: a session's entry is emptied when it begins ending, so an ended session is never kept
/// reachable from here; empty entries are dropped when met, and the heap is rebuilt when they outnumber the live ones.
/// </summary>
internal sealed class IdleOrder
{
    private readonly object _gate = new();
    private readonly PriorityQueue<Entry, long> _heap = new();

    /// <summary>A newly opened session.</summary>
    /// <param name="session">The session.</param>
    /// <param name="live">How many sessions are open now, to tell when ended ones crowd the heap.</param>
    /// <param name="openSessions">Every open session, to rebuild from.</param>
    public void Add(Session session, int live, IEnumerable<KeyValuePair<SessionId, Session>> openSessions)
    {
        var entry = new Entry(session);
        session.IdleEntry = entry;
        lock (_gate)
        {
            _heap.Enqueue(entry, session.LastActivityTicks);
            if (_heap.Count > (2 * live) + 64)
            {
                Rebuild(openSessions);
            }
        }
    }

    /// <summary>Removes and returns the active session idle the longest; null when no session is active.</summary>
    public Session? TakeIdlest()
    {
        lock (_gate)
        {
            while (_heap.TryPeek(out var entry, out long seen))
            {
                var session = entry.Session;
                if (session is null || !session.IsActive)
                {
                    _heap.Dequeue();
                    continue;
                }

                long last = session.LastActivityTicks;
                if (last != seen)
                {
                    // Touched since this entry was made: put it back where it belongs now.
                    _heap.DequeueEnqueue(entry, last);
                    continue;
                }

                _heap.Dequeue();
                return session;
            }

            return null;
        }
    }

    /// <summary>How many entries the heap holds, ended sessions' included (for tests).</summary>
    internal int Count
    {
        get
        {
            lock (_gate)
            {
                return _heap.Count;
            }
        }
    }

    private void Rebuild(IEnumerable<KeyValuePair<SessionId, Session>> openSessions)
    {
        _heap.Clear();
        foreach (var pair in openSessions)
        {
            if (pair.Value is { IsActive: true, IdleEntry: { Session: not null } entry } session)
            {
                _heap.Enqueue(entry, session.LastActivityTicks);
            }
        }
    }

    /// <summary>A session's place in the heap; <see cref="Session"/> is set to null when the session begins ending.</summary>
    internal sealed class Entry
    {
        private Session? _session;

        public Entry(Session session) => _session = session;

        public Session? Session => Volatile.Read(ref _session);

        public void Clear() => Volatile.Write(ref _session, null);
    }
}
