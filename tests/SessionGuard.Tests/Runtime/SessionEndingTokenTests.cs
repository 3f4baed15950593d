using System;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

/// <summary><see cref="Session.Ending"/> after the end, on every path: a cancelled token, never an
/// <see cref="ObjectDisposedException"/>, and a callback registered on it runs at once.</summary>
public class SessionEndingTokenTests
{
    public enum Path
    {
        NoTask,
        TaskRan,
        TokenReadBefore,
        UndrainedTask,
    }

    [Theory]
    [InlineData(Path.NoTask)]
    [InlineData(Path.TaskRan)]
    [InlineData(Path.TokenReadBefore)]
    [InlineData(Path.UndrainedTask)]
    public async Task Ending_is_a_cancelled_token_after_the_end(Path path)
    {
        await using var registry = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan, TaskDrainTimeout = TimeSpan.FromMilliseconds(20) });
        Session session = registry.Open(SessionId.Parse("ending-" + path));
        var hung = new TaskCompletionSource();
        switch (path)
        {
            case Path.TaskRan:
                await session.Run(_ => Task.CompletedTask);
                break;
            case Path.TokenReadBefore:
                Assert.False(session.Ending.IsCancellationRequested);
                break;
            case Path.UndrainedTask:
                _ = session.Run(_ => hung.Task, "ignores-cancellation");
                break;
        }

        SessionTeardownReport report = await session.EndAsync();
        Assert.True(session.IsEnded);
        Assert.Equal(path == Path.UndrainedTask ? 1 : 0, report.TasksMissedDrain);

        CancellationToken token = session.Ending;
        Assert.True(token.IsCancellationRequested);
        bool ran = false;
        using (token.Register(() => ran = true))
        {
            Assert.True(ran, "a callback registered after the end did not run at once");
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(Timeout.Infinite, session.Ending));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(session.Ending);
        Assert.True(linked.IsCancellationRequested);
        hung.SetResult();
    }
}
