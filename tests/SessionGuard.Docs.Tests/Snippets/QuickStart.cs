// The README's Quick start, verbatim inside a method (README.md shows the lines from `using System;` to the residual
// check). DocsSnippetTests runs it.
using System;
using System.Net.Http;
using System.Threading.Channels;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets;

public static class QuickStart
{
    public static async Task<(SessionTeardownReport? Report, ResidualReport Residuals)> RunAsync(string connectionId, byte[][] audio)
    {
        await using var registry = new SessionRegistry(new SessionRegistryOptions
        {
            MaxSessions = 1000,                      // EvictIdlest (default) or Reject beyond this
            IdleTimeout = TimeSpan.FromMinutes(5),   // swept every SweepInterval (30 s)
        });
        registry.SessionEnded += (_, ended) => Console.WriteLine(ended);

        // Per-session state lives in owners; the registry releases every session from every owner.
        var translations = new TranslationStage(registry);   // a partial class with [SessionScoped] members (below)
        registry.Register(translations);

        // On connect:
        Session session = registry.GetOrOpen(SessionId.Parse(connectionId));
        var frames = Channel.CreateUnbounded<byte[]>();       // the connection's audio frames
        var upstream = session.Own(new HttpClient());         // disposed at teardown
        string wav = session.CreateTempFile(".wav");          // deleted at teardown, owner-only permissions
        _ = session.Run(async ct =>                           // cancelled, awaited (bounded) and observed at teardown
        {
            await foreach (var frame in frames.Reader.ReadAllAsync(ct))
            {
                session.Touch();                              // postpones idle expiry
                translations.Hear(session.Id, frame);
            }
        }, name: "receive-loop");

        foreach (var frame in audio)
        {
            translations.Hear(session.Id, frame);              // not in the README: state to release
        }

        // On disconnect (or let the idle sweep do it):
        SessionTeardownReport? report = await registry.EndAsync(session.Id);

        // In a test or at shutdown:
        ResidualReport residuals = registry.CheckResiduals();   // IsClean when no owner holds anything
        return (report, residuals);
    }
}
