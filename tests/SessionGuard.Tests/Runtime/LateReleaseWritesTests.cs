using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

/// <summary>An owner that keeps writing into its <see cref="SessionReleaseContext"/> after
/// <see cref="SessionRegistryOptions.OwnerReleaseTimeout"/> must not break the release of the owners after it (the
/// registry enumerated a list being modified, and the exception abandoned every later owner).</summary>
public class LateReleaseWritesTests
{
    [Fact]
    public async Task An_owner_writing_into_its_context_after_the_timeout_leaves_later_owners_released()
    {
        const int Sessions = 20;
        var registry = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan, OwnerReleaseTimeout = TimeSpan.FromMilliseconds(30) });
        var late = new LateWriter();
        var after = new MapOwner();
        registry.Register(late);
        registry.Register(after);

        for (int i = 0; i < Sessions; i++)
        {
            var id = SessionId.Parse("late-" + i);
            late.Sessions[id] = registry.Open(id);
            after.LastText[id] = "entry";
        }

        for (int i = 0; i < Sessions; i++)
        {
            Assert.True(registry.TryGet(SessionId.Parse("late-" + i), out Session session));
            SessionTeardownReport report = await session.EndAsync();
            Assert.Contains(report.Failures, f => f.Stage == TeardownStage.ReleaseOwners && f.Exception is TimeoutException);
            Assert.DoesNotContain(report.Failures, f => f.Stage == TeardownStage.Publish);
            Assert.False(after.LastText.ContainsKey(session.Id), $"session {i}: the owner after the late one was not released");
        }

        late.Stop();
        Assert.Empty(after.LastText);
        Assert.True(late.LateWrites > 0, "the owner never wrote after its timeout");
        await registry.DisposeAsync();
    }

    /// <summary>Its release returns a task that finishes only once the session's teardown is over, and writes into the
    /// context from another thread all along, before and after the registry's timeout.</summary>
    private sealed class LateWriter : ISessionScoped
    {
        private readonly CancellationTokenSource _stop = new();
        private long _lateWrites;

        public long LateWrites => Interlocked.Read(ref _lateWrites);

        public ConcurrentDictionary<SessionId, Session> Sessions { get; } = new();

        public int MemberCount => 1;

        public string GetMemberName(int index) => "Late";

        public int GetLiveEntryCount(int index) => 0;

        public ValueTask<int> ReleaseSessionAsync(SessionId session) => new(0);

        public ValueTask<int> ReleaseSessionAsync(SessionId session, SessionReleaseContext context)
        {
            var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            var writer = new Thread(() =>
            {
                // Until the teardown is over: through the timeout and the report built after it (a safety bound of 10 s).
                Session ending = Sessions[session];
                var started = DateTime.UtcNow;
                while (!ending.IsEnded && !_stop.IsCancellationRequested && DateTime.UtcNow - started < TimeSpan.FromSeconds(10))
                {
                    context.EntriesRemoved("Late", 1);
                    context.Failed("Late", new InvalidOperationException("late"));
                    Interlocked.Increment(ref _lateWrites);
                }

                done.TrySetResult(0);
            }) { IsBackground = true };
            writer.Start();
            return new ValueTask<int>(done.Task);
        }

        public void Stop() => _stop.Cancel();
    }
}
