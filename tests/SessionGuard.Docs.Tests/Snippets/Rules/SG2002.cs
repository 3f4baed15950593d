// docs/rules/SG2002.md: Good (both forms).
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;
using Microsoft.Extensions.DependencyInjection;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG2002;

public sealed partial class TranscriptStore
{
    [SessionScoped] private readonly ConcurrentDictionary<SessionId, string> _lines = new();
}

public sealed class ChatServer : IDisposable
{
    private readonly TranscriptStore _store;
    private readonly IDisposable _registration;

    public ChatServer(SessionRegistry registry)
    {
        _store = new TranscriptStore();
        _registration = registry.Register(_store);   // released at the end of every session
    }

    public void Dispose() => _registration.Dispose();

    public static void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<TranscriptStore>();
        services.AddSessionGuard();
    }
}
