using System;
using System.Collections.Generic;
using System.Threading;

namespace SessionGuard;

/// <summary>
/// The owners of per-session state a registry releases every session from: those registered by hand and those resolved
/// lazily from dependency injection (so that an owner may itself depend on the registry). Readers take
/// <see cref="Current"/>, a set replaced as a whole on every change, without locking.
/// </summary>
internal sealed class OwnerCatalog
{
    private readonly object _gate = new();
    private readonly object _deferredGate = new();
    private OwnerSet _current = OwnerSet.Empty;
    private Func<IEnumerable<ISessionScoped>>? _deferred;
    private int _resolvingThread;

    /// <summary>The registered owners now.</summary>
    public OwnerSet Current => Volatile.Read(ref _current);

    /// <summary>Adds an owner. Also for owners resolved from DI, which may happen after the registry's disposal began.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="owner"/> is already registered.</exception>
    public IDisposable Register(ISessionScoped owner)
    {
        lock (_gate)
        {
            if (Array.IndexOf(_current.Owners, owner) >= 0)
            {
                throw new InvalidOperationException($"The owner {owner.GetType().FullName} is already registered with this registry (AddSessionGuard registers every owner the container creates: do not also Register it by hand).");
            }

            Volatile.Write(ref _current, _current.Add(owner));
        }

        return new Registration(this, owner);
    }

    /// <summary>Owners to resolve (and register) the first time any are needed.</summary>
    public void AddDeferred(Func<IEnumerable<ISessionScoped>> owners)
    {
        lock (_deferredGate)
        {
            var previous = _deferred;
            Volatile.Write(ref _deferred, previous is null ? owners : () => Concat(previous(), owners()));
        }

        static IEnumerable<ISessionScoped> Concat(IEnumerable<ISessionScoped> a, IEnumerable<ISessionScoped> b)
        {
            foreach (var x in a)
            {
                yield return x;
            }

            foreach (var x in b)
            {
                yield return x;
            }
        }
    }

    /// <summary>
    /// Resolves and registers the deferred owners, once. Every caller waits until they are registered: a session opened
    /// before that would end without being released from them.
    /// </summary>
    public void EnsureResolved()
    {
        if (Volatile.Read(ref _deferred) is null)
        {
            return;
        }

        lock (_deferredGate)
        {
            var deferred = _deferred;
            if (deferred is null || _resolvingThread == Environment.CurrentManagedThreadId)
            {
                // Done, or re-entered by an owner's constructor that uses the registry while it is being resolved.
                return;
            }

            _resolvingThread = Environment.CurrentManagedThreadId;
            try
            {
                foreach (var owner in deferred())
                {
                    bool known;
                    lock (_gate)
                    {
                        known = Array.IndexOf(_current.Owners, owner) >= 0;
                    }

                    if (!known)
                    {
                        Register(owner);
                    }
                }

                Volatile.Write(ref _deferred, null);
            }
            finally
            {
                _resolvingThread = 0;
            }
        }
    }

    private void Remove(ISessionScoped owner)
    {
        lock (_gate)
        {
            var set = _current;
            int index = Array.IndexOf(set.Owners, owner);
            if (index >= 0)
            {
                Volatile.Write(ref _current, set.RemoveAt(index));
            }
        }
    }

    /// <summary>The registered owners and their reported names, replaced as a whole on every change.</summary>
    internal sealed class OwnerSet
    {
        public static readonly OwnerSet Empty = new(Array.Empty<ISessionScoped>(), Array.Empty<string>());

        private OwnerSet(ISessionScoped[] owners, string[] names)
        {
            Owners = owners;
            Names = names;
        }

        public ISessionScoped[] Owners { get; }

        public string[] Names { get; }

        public OwnerSet Add(ISessionScoped owner)
        {
            var owners = new ISessionScoped[Owners.Length + 1];
            var names = new string[Names.Length + 1];
            Owners.CopyTo(owners, 0);
            Names.CopyTo(names, 0);
            owners[^1] = owner;
            names[^1] = owner.GetType().Name;
            return new OwnerSet(owners, names);
        }

        public OwnerSet RemoveAt(int index)
        {
            var owners = new ISessionScoped[Owners.Length - 1];
            var names = new string[Names.Length - 1];
            Array.Copy(Owners, 0, owners, 0, index);
            Array.Copy(Owners, index + 1, owners, index, owners.Length - index);
            Array.Copy(Names, 0, names, 0, index);
            Array.Copy(Names, index + 1, names, index, names.Length - index);
            return new OwnerSet(owners, names);
        }
    }

    private sealed class Registration : IDisposable
    {
        private OwnerCatalog? _catalog;
        private readonly ISessionScoped _owner;

        public Registration(OwnerCatalog catalog, ISessionScoped owner)
        {
            _catalog = catalog;
            _owner = owner;
        }

        public void Dispose() => Interlocked.Exchange(ref _catalog, null)?.Remove(_owner);
    }
}
