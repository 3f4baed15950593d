using System;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

/// <summary>Teardown runs user code (Ending callbacks, Dispose, owners' releases) and never on the thread that asked
/// for it: a Dispose that blocks must not hold up EndAsync's caller, an Open that evicts, or another session's
/// teardown.</summary>
public class TeardownOffCallerThreadTests
{
    [Fact]
    public async Task A_blocking_Dispose_holds_up_neither_the_caller_nor_an_Open_that_evicts_nor_other_sessions()
    {
        using var release = new ManualResetEventSlim();
        var registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = 2, OverflowPolicy = SessionOverflowPolicy.EvictIdlest, SweepInterval = Timeout.InfiniteTimeSpan });
        Session blocking = registry.Open(SessionId.Parse("blocking"));
        blocking.Own(new BlockingDisposable(release));
        Session other = registry.Open(SessionId.Parse("other"));
        var otherResource = other.Own(new Res("other"));

        // EndAsync returns to its caller while the Dispose blocks.
        Task<SessionTeardownReport> ending = RunBounded(() => blocking.EndAsync(), "EndAsync blocked its caller in a Dispose");
        Assert.False(ending.IsCompleted);

        // An Open at the cap evicts the other session and returns; that teardown completes beside the blocked one.
        Session third = RunBounded(() => registry.Open(SessionId.Parse("third")), "Open blocked in the evicted session's teardown");
        Session fourth = RunBounded(() => registry.Open(SessionId.Parse("fourth")), "Open blocked in the evicted session's teardown");
        Assert.True(third.IsActive || fourth.IsActive);
        Assert.False(other.IsActive);
        Task otherEnded = WaitEnded(other);
        Assert.True(ReferenceEquals(await Task.WhenAny(otherEnded, Task.Delay(TimeSpan.FromSeconds(30))), otherEnded), "a blocked teardown held up another session's");
        Assert.Equal(1, otherResource.Disposals);

        release.Set();
        SessionTeardownReport report = await ending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, report.ResourcesDisposed);
        await registry.DisposeAsync();
    }

    private static async Task WaitEnded(Session session)
    {
        while (!session.IsEnded)
        {
            await Task.Delay(5);
        }
    }

    private static T RunBounded<T>(Func<T> call, string message)
    {
        T result = default!;
        var thread = new Thread(() => result = call()) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), message);
        return result;
    }

    private sealed class BlockingDisposable : IDisposable
    {
        private readonly ManualResetEventSlim _release;

        public BlockingDisposable(ManualResetEventSlim release) => _release = release;

        public void Dispose() => _release.Wait();
    }
}
