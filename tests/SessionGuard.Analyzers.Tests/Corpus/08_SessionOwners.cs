// Owners of per-session state created per request or in tests and never registered, so no session is ever
// released from them.
#nullable enable
using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using SessionGuard;

namespace Chat.State;

public sealed class TranscriptStore : ISessionScoped
{
    private readonly Dictionary<SessionId, List<string>> _lines = new();

    public int MemberCount => 1;

    public void Append(SessionId session, string line)
    {
        if (!_lines.TryGetValue(session, out var list))
        {
            _lines[session] = list = new List<string>();
        }

        list.Add(line);
    }

    public ValueTask<int> ReleaseSessionAsync(SessionId session) => new(_lines.Remove(session) ? 1 : 0);

    public string GetMemberName(int index) => "_lines";

    public int GetLiveEntryCount(int index) => _lines.Count;
}

public sealed class ChatServer
{
    private readonly SessionRegistry _registry;
    private readonly TranscriptStore _store = new();
    private readonly List<ISessionScoped> _owners = new();

    public ChatServer(SessionRegistry registry)
    {
        _registry = registry;
        _registry.Register(_store);
    }

    public void OnMessage(SessionId session, string text)
    {
        // A fresh store per message: it fills and is never released (and never seen again).
        var store = {|SG2002:new TranscriptStore()|};
        store.Append(session, text);
    }

    public IDisposable AddOwner()
    {
        var owner = new TranscriptStore();
        return _registry.Register(owner);
    }

    public void Track() => _owners.Add(new TranscriptStore());

    public static ISessionScoped Create() => new TranscriptStore();

    public Func<IServiceProvider, ISessionScoped> Factory => _ => new TranscriptStore();
}
