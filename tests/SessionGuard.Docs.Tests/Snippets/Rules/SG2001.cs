// docs/rules/SG2001.md: Good, and "Not reported: registries".
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
