using System.Linq;
using SessionGuard.Generators.Model;

namespace SessionGuard.Generators;

/// <summary>An owner's release: removing one session's entries from every member and disposing their values.</summary>
internal static partial class Emitter
{
    private static void WriteRelease(SourceWriter w, OwnerModel owner)
    {
        w.WriteLines("""
            global::System.Threading.Tasks.ValueTask<int> global::SessionGuard.ISessionScoped.ReleaseSessionAsync(global::SessionGuard.SessionId session)
                => __SessionGuard_Release(session, null);

            global::System.Threading.Tasks.ValueTask<int> global::SessionGuard.ISessionScoped.ReleaseSessionAsync(global::SessionGuard.SessionId session, global::SessionGuard.SessionReleaseContext context)
            {
                global::System.ArgumentNullException.ThrowIfNull(context);
                return __SessionGuard_Release(session, context);
            }

            """);

        bool mayAwait = owner.Members.Any(m => m.Disposal is DisposalKind.AsyncDisposable or DisposalKind.Runtime);
        bool mayFail = MayFail(owner);
        w.OpenBlock($"private global::System.Threading.Tasks.ValueTask<int> __SessionGuard_Release({SessionIdType} session, {ContextType}? context)");
        w.WriteLine($"{SessionIdType}.ThrowIfDefault(session, nameof(session));");
        w.WriteLine("int __total = 0;");
        if (mayFail)
        {
            w.WriteLine($"{FailureList}? __failures = null;");
        }

        if (mayAwait)
        {
            w.WriteLine($"{PendingList}? __pending = null;");
        }

        foreach (MemberModel member in owner.Members)
        {
            w.WriteLine();
            WriteMemberRelease(w, owner, member);
        }

        w.WriteLine();
        string pending = mayAwait ? "__pending" : "null";
        string failures = mayFail ? "__failures" : "null";
        w.WriteLine($"return {Release}.Complete(session, __total, {pending}, {failures}, context);");
        w.CloseBlock();
    }

    private static void WriteMemberRelease(SourceWriter w, OwnerModel owner, MemberModel m)
    {
        string name = Literal(m.Name);
        w.OpenBlock($"// {m.Name}: {m.Collection}, {Describe(m)}");
        w.WriteLine("int __removed = 0;");
        w.WriteLine($"var __member = {Access(m.Name)};");
        w.OpenBlock("if (__member is not null)");
        string key = m.Key == KeyKind.String ? "session.Value" : "session";
        string? lockTarget = m.SyncRoot.Length == 0 || !m.IsPlain
            ? null
            : (m.SyncRootIsStatic ? owner.Type.NameWithTypeParameters + "." + Escape(m.SyncRoot) : "this." + Escape(m.SyncRoot));
        bool dispose = m.HasValues && m.Disposal != DisposalKind.None;

        switch (m.Collection)
        {
            case CollectionKind.SessionMap:
                w.OpenBlock("if (__member.TryRemoveSession(session, out var __entries))");
                w.WriteLine("__removed = __entries.Count;");
                if (dispose)
                {
                    w.OpenBlock("foreach (var __pair in __entries)");
                    WriteDispose(w, m, "__pair.Value", name);
                    w.CloseBlock();
                }

                w.CloseBlock();
                break;

            case CollectionKind.PendingOperations when m.Key == KeyKind.Composite:
                w.WriteLine($"__removed = __member.CancelAll(static (__key, __session) => {Match(m, "__key", "__session")}, session);");
                break;

            case CollectionKind.PendingOperations:
                w.OpenBlock($"if (__member.Cancel({key}))");
                w.WriteLine("__removed = 1;");
                w.CloseBlock();
                break;

            case CollectionKind.ConcurrentDictionary when m.Key == KeyKind.Composite:
                w.OpenBlock("foreach (var __pair in __member)");
                w.OpenBlock($"if ({Match(m, "__pair.Key", "session")} && __member.TryRemove(__pair.Key, {(dispose ? "out var __value" : "out _")}))");
                w.WriteLine("__removed++;");
                if (dispose)
                {
                    WriteDispose(w, m, "__value", name);
                }

                w.CloseBlock();
                w.CloseBlock();
                break;

            case CollectionKind.ConcurrentDictionary:
                w.OpenBlock($"if (__member.TryRemove({key}, {(dispose ? "out var __value" : "out _")}))");
                w.WriteLine("__removed = 1;");
                if (dispose)
                {
                    WriteDispose(w, m, "__value", name);
                }

                w.CloseBlock();
                break;

            case CollectionKind.HashSet or CollectionKind.ISet when m.Key != KeyKind.Composite:
                OpenLock(w, lockTarget);
                w.OpenBlock($"if (__member.Remove({key}))");
                w.WriteLine("__removed = 1;");
                w.CloseBlock();
                CloseLock(w, lockTarget);
                break;

            case CollectionKind.Dictionary or CollectionKind.IDictionary when m.Key != KeyKind.Composite:
                string remove = m.Collection == CollectionKind.Dictionary
                    ? $"__member.Remove({key}, out __value!)"
                    : $"__member.TryGetValue({key}, out __value!) && __member.Remove({key})";
                w.WriteLine($"var __value = {Release}.NoValue(__member);");
                w.WriteLine("bool __found;");
                OpenLock(w, lockTarget);
                w.WriteLine($"__found = {remove};");
                CloseLock(w, lockTarget);
                if (lockTarget is not null)
                {
                    w.WriteLine();
                }

                w.OpenBlock("if (__found)");
                w.WriteLine("__removed = 1;");
                if (dispose)
                {
                    WriteDispose(w, m, "__value", name);
                }

                w.CloseBlock();
                break;

            default:
                // A composite key on a plain dictionary or set: scan, then remove the matches (a plain collection
                // must not change while it is enumerated), then dispose outside the lock.
                string itemKey = m.HasValues ? "__item.Key" : "__item";
                w.WriteLine($"var __matches = {Release}.NoMatches(__member);");
                OpenLock(w, lockTarget);
                w.OpenBlock("foreach (var __item in __member)");
                w.OpenBlock($"if ({Match(m, itemKey, "session")})");
                w.WriteLine("(__matches ??= new()).Add(__item);");
                w.CloseBlock();
                w.CloseBlock();
                w.WriteLine();
                w.OpenBlock("if (__matches is not null)");
                w.OpenBlock("foreach (var __item in __matches)");
                w.OpenBlock($"if (__member.Remove({itemKey}))");
                w.WriteLine("__removed++;");
                w.CloseBlock();
                w.CloseBlock();
                w.CloseBlock();
                CloseLock(w, lockTarget);
                if (dispose)
                {
                    w.WriteLine();
                    w.OpenBlock("if (__matches is not null)");
                    w.OpenBlock("foreach (var __item in __matches)");
                    WriteDispose(w, m, "__item.Value", name);
                    w.CloseBlock();
                    w.CloseBlock();
                }

                break;
        }

        w.CloseBlock();
        w.WriteLine();
        w.WriteLine("__total += __removed;");
        w.WriteLine($"context?.EntriesRemoved({name}, __removed);");
        w.CloseBlock();
    }

    private static void WriteDispose(SourceWriter w, MemberModel m, string value, string name)
    {
        switch (m.Disposal)
        {
            case DisposalKind.Disposable:
                w.WriteLine($"{Release}.Dispose({value}, {name}, context, ref __failures);");
                break;
            case DisposalKind.AsyncDisposable:
                w.WriteLine($"{Release}.DisposeAsync({value}, {name}, context, ref __failures, ref __pending);");
                break;
            case DisposalKind.CancellationTokenSource:
                w.WriteLine($"{Release}.CancelAndDispose({value}, {name}, context, ref __failures);");
                break;
            case DisposalKind.Runtime:
                w.WriteLine($"{Release}.DisposeAny({value}, {name}, context, ref __failures, ref __pending);");
                break;
        }
    }

    /// <summary>True when some removed value may be disposed, so a disposal may fail.</summary>
    private static bool MayFail(OwnerModel owner) => owner.Members.Any(static m => m.HasValues && m.Disposal != DisposalKind.None);

    private static string Match(MemberModel m, string key, string session)
    {
        string accessor = key + "." + Escape(m.KeyAccessor);
        string test = m.KeyAccessorIsString
            ? $"string.Equals({accessor}, {session}.Value, global::System.StringComparison.Ordinal)"
            : $"{accessor} == {session}";
        // Only a set may hold a null element; dictionary keys are never null.
        bool mayBeNull = m.KeyIsReferenceType && m.Collection is CollectionKind.HashSet or CollectionKind.ISet;
        return mayBeNull ? $"{key} is not null && {test}" : test;
    }

    private static string Describe(MemberModel m) => m.Key switch
    {
        KeyKind.SessionId => "keyed by the session id",
        KeyKind.String => "keyed by the session id's value",
        KeyKind.Indexed => "indexed by session",
        _ => $"composite key, session in .{m.KeyAccessor}",
    };
}
