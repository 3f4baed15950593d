using System.Threading.Tasks;

namespace SessionGuard.Analyzers.Tests;

public class PerSessionCollectionTests : AnalyzerCaseTests<PerSessionCollectionAnalyzer>
{
    public static TheoryData<string, string> Positive => new()
    {
        { "Dictionary keyed by SessionId", """
            class C
            {
                private readonly Dictionary<SessionId, string> {|SG2001:_lastSentText|} = new();
                public void Send(SessionId session, string text) { _lastSentText[session] = text; }
            }
            """ },
        { "ConcurrentDictionary keyed by SessionId with TryAdd", """
            class C
            {
                private readonly ConcurrentDictionary<SessionId, byte[]> {|SG2001:_buffers|} = new();
                public void Start(SessionId id) { _buffers.TryAdd(id, new byte[1024]); }
            }
            """ },
        { "HashSet of SessionId", """
            class C
            {
                private readonly HashSet<SessionId> {|SG2001:_seen|} = new();
                public void Mark(SessionId id) { _seen.Add(id); }
            }
            """ },
        { "string key written with sessionId", """
            class C
            {
                private readonly Dictionary<string, string> {|SG2001:_map|} = new();
                public void Store(string sessionId, string text) { _map[sessionId] = text; }
            }
            """ },
        { "string key written with client_uid", """
            class WebSocketHandler
            {
                private readonly Dictionary<string, Task> {|SG2001:current_conversation_tasks|} = new();
                public void Start(string client_uid, Task t) { current_conversation_tasks[client_uid] = t; }
            }
            """ },
        { "string key written with connectionId", """
            class Hub
            {
                private static readonly ConcurrentDictionary<string, DateTime> {|SG2001:_lastHeartbeat|} = new();
                public void OnHeartbeat(string connectionId) { _lastHeartbeat.AddOrUpdate(connectionId, DateTime.UtcNow, (_, _) => DateTime.UtcNow); }
            }
            """ },
        { "string key from a message's SessionId property", """
            record Msg(string SessionId, string Text);
            class DedupStage
            {
                private readonly Dictionary<string, string> {|SG2001:lastSentText|} = new();
                public void Process(Msg m) { lastSentText[m.SessionId] = m.Text; }
            }
            """ },
        { "tuple key holding a SessionId", """
            class C
            {
                private readonly Dictionary<(SessionId Session, int Turn), string> {|SG2001:_turns|} = new();
                public void Put(SessionId s, int turn, string v) { _turns[(s, turn)] = v; }
            }
            """ },
        { "record struct key holding a SessionId", """
            readonly record struct BufferKey(SessionId Session, string Lang);
            class AudioAggregator
            {
                private readonly Dictionary<BufferKey, List<byte[]>> {|SG2001:_buffers|} = new();
                public void Add(SessionId s, byte[] chunk) { _buffers[new BufferKey(s, "en")] = new List<byte[]> { chunk }; }
            }
            """ },
        { "auto-property keyed by SessionId", """
            class C
            {
                private Dictionary<SessionId, int> {|SG2001:Counts|} { get; } = new();
                public void Hit(SessionId s) { Counts[s] = Counts.TryGetValue(s, out var n) ? n + 1 : 1; }
            }
            """ },
        { "IDictionary field keyed by SessionId", """
            class C
            {
                private readonly IDictionary<SessionId, object> {|SG2001:_state|} = new Dictionary<SessionId, object>();
                public void Set(SessionId s, object v) { _state.Add(s, v); }
            }
            """ },
        { "GetOrAdd keyed by session", """
            class C
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> {|SG2001:_locks|} = new();
                public SemaphoreSlim Lock(string sessionKey) => _locks.GetOrAdd(sessionKey, _ => new SemaphoreSlim(1));
            }
            """ },
        { "only read and written, reset only in the constructor", """
            class C
            {
                private Dictionary<SessionId, int> {|SG2001:_map|};
                public C() { _map = new Dictionary<SessionId, int>(); }
                public void Put(SessionId s) { _map[s] = 1; }
                public int Count => _map.Count;
            }
            """ },
        { "internal field", """
            class C
            {
                internal readonly Dictionary<SessionId, int> {|SG2001:Map|} = new();
                public void Put(SessionId s) { Map[s] = 1; }
            }
            """ },
        { "partial class, write in the other part", """
            partial class C
            {
                private readonly Dictionary<SessionId, int> {|SG2001:_map|} = new();
            }
            partial class C
            {
                public void Put(SessionId s) { _map[s] = 1; }
            }
            """ },
        { "SortedDictionary keyed by SessionId", """
            class C
            {
                private readonly SortedDictionary<string, int> {|SG2001:_scores|} = new();
                public void Put(string sessionId) { _scores[sessionId] = 1; }
            }
            """ },
        { "LINQ reads do not clean", """
            class C
            {
                private readonly Dictionary<SessionId, int> {|SG2001:_map|} = new();
                public void Put(SessionId s) { _map[s] = 1; }
                public int Total() => _map.Values.Sum() + _map.Count(kv => kv.Value > 0);
            }
            """ },
        { "client key with a second hint in the type, the collection or the writer", """
            class ClientHub
            {
                private readonly Dictionary<string, int> {|SG2001:_scores|} = new();
                public void Put(string clientId) { _scores[clientId] = 1; }
            }
            class Scores
            {
                private readonly Dictionary<string, int> {|SG2001:_perConnection|} = new();
                private readonly Dictionary<string, int> {|SG2001:_seen|} = new();
                public void Put(string clientId) { _perConnection[clientId] = 1; }
                public void OnConnected(string clientId) { _seen[clientId] = 1; }
            }
            """ },
        { "a connection's id is a session key, also beside a connection string", """
            class ConnectionPool
            {
                private readonly ConcurrentDictionary<string, int> {|SG2001:_sessions|} = new();
                private readonly Dictionary<string, byte[]> {|SG2001:_buffers|} = new();
                private readonly Dictionary<string, int> {|SG2001:_leases|} = new();
                public void Open(string connectionId, string connectionString) { _sessions[connectionId] = connectionString.Length; }
                public void Buffer(DbLink connection) { _buffers[connection.Id] = new byte[16]; }
                public void Lease(DbLink connection) { _leases[connection.ConnectionString + "/" + connection.Id] = 1; }
            }
            sealed record DbLink(string Id, string ConnectionString);
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        { "[SessionScoped]", """
            partial class C
            {
                [SessionScoped] private readonly Dictionary<SessionId, string> _lastSentText = new();
                public void Send(SessionId session, string text) { _lastSentText[session] = text; }
            }
            """ },
        { "removed on session end", """
            class C
            {
                private readonly Dictionary<SessionId, string> _map = new();
                public void Send(SessionId session, string text) { _map[session] = text; }
                public void RemoveSession(SessionId session) { _map.Remove(session); }
            }
            """ },
        { "TryRemove", """
            class C
            {
                private readonly ConcurrentDictionary<string, int> _map = new();
                public void Put(string sessionId) { _map[sessionId] = 1; }
                public void End(string sessionId) { _map.TryRemove(sessionId, out _); }
            }
            """ },
        { "Clear", """
            class C
            {
                private readonly HashSet<SessionId> _seen = new();
                public void Mark(SessionId id) { _seen.Add(id); }
                public void Reset() { _seen.Clear(); }
            }
            """ },
        { "RemoveWhere", """
            class C
            {
                private readonly HashSet<SessionId> _seen = new();
                public void Mark(SessionId id) { _seen.Add(id); }
                public void Sweep(SessionId id) { _seen.RemoveWhere(x => x == id); }
            }
            """ },
        { "reassigned outside the constructor", """
            class C
            {
                private Dictionary<SessionId, int> _map = new();
                public void Put(SessionId s) { _map[s] = 1; }
                public void Reset() { _map = new(); }
            }
            """ },
        { "string key not session-named", """
            class C
            {
                private readonly Dictionary<string, string> _translations = new();
                public void Put(string language, string text) { _translations[language] = text; }
            }
            """ },
        { "public member may be cleaned elsewhere", """
            public class C
            {
                public Dictionary<SessionId, int> Map { get; } = new();
                public void Put(SessionId s) { Map[s] = 1; }
            }
            """ },
        { "handed to another object", """
            class Cleaner { public Cleaner(Dictionary<SessionId, int> map) { } }
            class C
            {
                private readonly Dictionary<SessionId, int> _map = new();
                private readonly Cleaner _cleaner;
                public C() { _cleaner = new Cleaner(_map); }
                public void Put(SessionId s) { _map[s] = 1; }
            }
            """ },
        { "never written", """
            class C
            {
                private readonly Dictionary<SessionId, int> _map = new();
                public bool Has(SessionId s) => _map.ContainsKey(s);
            }
            """ },
        { "keyed by int", """
            class C
            {
                private readonly Dictionary<int, string> _names = new();
                public void Put(int sessionNumber, string n) { _names[sessionNumber] = n; }
            }
            """ },
        { "list keyed by nothing", """
            class C
            {
                private readonly List<SessionId> _ids = new();
                public void Put(SessionId s) { _ids.Add(s); }
            }
            """ },
        { "a local dictionary", """
            class C
            {
                public int M(SessionId s) { var d = new Dictionary<SessionId, int>(); d[s] = 1; return d.Count; }
            }
            """ },
        { "ConditionalWeakTable cleans itself", """
            using System.Runtime.CompilerServices;
            class C
            {
                private readonly ConditionalWeakTable<object, string> _tags = new();
                public void Tag(object session, string t) { _tags.AddOrUpdate(session, t); }
            }
            """ },
        { "removed through an extension", """
            static class Ext { public static void Prune(this Dictionary<string, int> d, string k) => d.Remove(k); }
            class C
            {
                private readonly Dictionary<string, int> _map = new();
                public void Put(string sessionId) { _map[sessionId] = 1; }
                public void End(string sessionId) { _map.Prune(sessionId); }
            }
            """ },
        { "PendingOperations removes its own entries", """
            class C
            {
                private readonly PendingOperations<SessionId, string> _pending = new();
            }
            """ },
        { "dictionary of string written with a non-session key", """
            class TranslationCache
            {
                private readonly ConcurrentDictionary<string, string> _cache = new();
                public void Put(string text, string translated) { _cache[text] = translated; }
            }
            """ },
        { "a key named only for a client is no hint by itself", """
            class ClientStore
            {
                private readonly Dictionary<string, string> _secrets = new();
                public void Register(string clientId, string secret) { _secrets[clientId] = secret; }
            }
            """ },
        { "a collection also written with a constant key is a registry", """
            class OAuthServer
            {
                private readonly ConcurrentDictionary<string, string> _clients = new();
                private readonly Dictionary<string, int> _sessions = new();
                public OAuthServer() { _clients["demo-client"] = "secret"; _sessions.Add("admin", 0); }
                public void Register(string clientId, string secret) => _clients[clientId] = secret;
                public void Open(string sessionId) => _sessions[sessionId] = 1;
            }
            """ },
        { "a process-wide pool registry keyed by connection string", """
            sealed class ConnectionPool
            {
                private static readonly ConcurrentDictionary<string, ConnectionPool?> s_pools = new();
                public static ConnectionPool? GetPool(string connectionString)
                {
                    if (s_pools.TryGetValue(connectionString, out var pool))
                        return pool;
                    string normalizedConnectionString = connectionString.Trim();
                    s_pools.GetOrAdd(connectionString, default(ConnectionPool));
                    return s_pools.GetOrAdd(normalizedConnectionString, new ConnectionPool());
                }
            }
            """ },
        { "a cache keyed by a connection's connection string", """
            class CommandCache
            {
                private readonly Dictionary<string, int> _byConnection = new();
                public void Put(DbLink connection, DbLink? fallbackConnection)
                {
                    _byConnection[connection.ConnectionString] = 1;
                    _byConnection[fallbackConnection?.ConnectionString ?? string.Empty] = 2;
                }
            }
            sealed record DbLink(string Id, string ConnectionString);
            """ },
    };

    [Fact]
    public Task Message_names_member_key_and_type() =>
        Verify.Analyzer<PerSessionCollectionAnalyzer>(
            Sources.Wrap("""
                class Store
                {
                    private readonly Dictionary<SessionId, int> {|#0:_map|} = new();
                    public void Put(SessionId s) { _map[s] = 1; }
                }
                """),
            null,
            Verify.Diagnostic("SG2001").WithLocation(0).WithArguments("_map", "SessionId", "Store"));
}
