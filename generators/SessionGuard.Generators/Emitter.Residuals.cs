using System;
using SessionGuard.Generators.Model;

namespace SessionGuard.Generators;

/// <summary>What the residual check reads of an owner: its members' names and live entry counts, and the sessions they hold.</summary>
internal static partial class Emitter
{
    private static void WriteCounts(SourceWriter w, OwnerModel owner)
    {
        w.WriteLine($"int {SessionScoped}.MemberCount => {owner.Members.Count};");
        w.WriteLine();
        WriteIndexSwitch(w, owner, $"string {SessionScoped}.GetMemberName(int index)", static m => Literal(m.Name));
        w.WriteLine();
        WriteIndexSwitch(w, owner, $"int {SessionScoped}.GetLiveEntryCount(int index)", static m => Access(m.Name) + "?.Count ?? 0");
    }

    /// <summary>A member per index as a switch expression: <paramref name="arm"/> gives member <c>i</c>'s value.</summary>
    private static void WriteIndexSwitch(SourceWriter w, OwnerModel owner, string signature, Func<MemberModel, string> arm)
    {
        w.OpenBlock(signature + " => index switch");
        for (int i = 0; i < owner.Members.Count; i++)
        {
            w.WriteLine($"{i} => {arm(owner.Members[i])},");
        }

        w.WriteLine("_ => throw " + OutOfRange(owner) + ",");
        w.CloseBlock(";");
    }

    /// <summary>Names the sessions a member holds entries for: the residual check reports them.</summary>
    private static void WriteCollectSessions(SourceWriter w, OwnerModel owner)
    {
        w.OpenBlock($"void {SessionScoped}.CollectLiveSessions(int index, global::System.Collections.Generic.ICollection<{SessionIdType}> sessions)");
        w.WriteLine("global::System.ArgumentNullException.ThrowIfNull(sessions);");
        w.OpenBlock("switch (index)");
        for (int i = 0; i < owner.Members.Count; i++)
        {
            MemberModel m = owner.Members[i];
            string? lockTarget = m.SyncRoot.Length == 0 || !m.IsPlain
                ? null
                : (m.SyncRootIsStatic ? owner.Type.NameWithTypeParameters + "." + Escape(m.SyncRoot) : "this." + Escape(m.SyncRoot));
            string source = m.Collection switch
            {
                CollectionKind.HashSet or CollectionKind.ISet => "__member",
                CollectionKind.SessionMap => "__member.Sessions",
                _ => "__member.Keys",
            };

            w.WriteLine($"case {i}:");
            w.OpenBlock();
            w.WriteLine($"var __member = {Access(m.Name)};");
            w.OpenBlock("if (__member is not null)");
            OpenLock(w, lockTarget);
            w.OpenBlock($"foreach (var __key in {source})");
            WriteCollectKey(w, m);
            w.CloseBlock();
            CloseLock(w, lockTarget);
            w.CloseBlock();
            w.WriteLine();
            w.WriteLine("return;");
            w.CloseBlock();
        }

        w.WriteLine("default:");
        w.Indent();
        w.WriteLine("throw " + OutOfRange(owner) + ";");
        w.Unindent();
        w.CloseBlock();
        w.CloseBlock();
    }

    private static void WriteCollectKey(SourceWriter w, MemberModel m)
    {
        string key = "__key";
        bool isString = m.Key == KeyKind.String;
        if (m.Key == KeyKind.Composite)
        {
            bool mayBeNull = m.KeyIsReferenceType && m.Collection is CollectionKind.HashSet or CollectionKind.ISet;
            if (mayBeNull)
            {
                w.OpenBlock("if (__key is null)");
                w.WriteLine("continue;");
                w.CloseBlock();
                w.WriteLine();
            }

            key = "__key." + Escape(m.KeyAccessor);
            isString = m.KeyAccessorIsString;
        }

        if (isString)
        {
            w.OpenBlock($"if ({SessionIdType}.TryParse({key}, out var __id))");
            w.WriteLine("sessions.Add(__id);");
            w.CloseBlock();
        }
        else
        {
            w.OpenBlock($"if (!{key}.IsDefault)");
            w.WriteLine($"sessions.Add({key});");
            w.CloseBlock();
        }
    }

    private static string OutOfRange(OwnerModel owner) => $"{Release}.IndexOutOfRange(index, {owner.Members.Count})";
}
