using System.Threading.Tasks;

namespace SessionGuard.Analyzers.Tests;

/// <summary>The harness compiles test sources against the shipped runtime, not against stand-ins declared in source.</summary>
public class HarnessTests
{
    [Fact]
    public Task Test_sources_bind_to_the_shipped_session_and_registry() =>
        Verify.Analyzer<FireAndForgetAnalyzer>(Sources.Wrap("""
            sealed class Channel : IAsyncDisposable { public ValueTask DisposeAsync() => default; }

            class C
            {
                async Task M(SessionRegistry registry, SessionId id)
                {
                    Session session = registry.Open(id);
                    session.Own(new Channel());              // Own<T> takes any class: IAsyncDisposable alone is fine
                    string path = session.CreateTempFile(".wav");
                    await session.Run(ct => Task.Delay(1, ct), "tick");
                    await registry.EndAsync(id, SessionEndReason.Closed);
                }
            }
            """));
}
