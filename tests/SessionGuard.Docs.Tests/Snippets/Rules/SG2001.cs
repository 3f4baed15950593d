// docs/rules/SG2001.md: Good, "Not reported: registries" and "Not reported: a pool keyed by connection string".
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG2001;

public sealed record Job(string SessionId, string Text);

public sealed partial class DedupStage
{
    [SessionScoped]                                            // the generator removes the session's entries
    private readonly ConcurrentDictionary<string, string> lastSentText = new();

    public void Remember(Job job) => lastSentText[job.SessionId] = job.Text;
}

public sealed record ClientRegistration(string ClientId, string RedirectUri);

public sealed class ClientRegistry
{
    private readonly ConcurrentDictionary<string, ClientRegistration> _clients = new();

    public ClientRegistry() => _clients["demo-client"] = new ClientRegistration("demo-client", "http://localhost/cb");

    // a constant key elsewhere: a registry; and clientId alone is no hint of a session
    public void Register(string clientId, string redirectUri) => _clients[clientId] = new ClientRegistration(clientId, redirectUri);

    public int Count => _clients.Count;
}

public sealed class ConnectionPool
{
    // one pool per distinct connection string for the whole process: it grows with configuration, not with sessions
    private static readonly ConcurrentDictionary<string, ConnectionPool> s_pools = new();

    public static ConnectionPool GetPool(string connectionString) => s_pools.GetOrAdd(connectionString, _ => new ConnectionPool());
}
