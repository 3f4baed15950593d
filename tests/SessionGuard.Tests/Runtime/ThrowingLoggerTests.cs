using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

/// <summary>A logging provider that throws must not change what the registry does (issue: a failure logging "ended"
/// left EndAsync hanging, one logging a drain miss skipped disposal, temp-file deletion and owner release, and one
/// logging "opened" made Open throw after the session was published).</summary>
public class ThrowingLoggerTests
{
    [Theory]
    [InlineData(-1)] // every message
    [InlineData(1)]  // SessionOpened
    [InlineData(2)]  // SessionEnded
    [InlineData(4)]  // TaskMissedDrain
    public async Task A_logger_that_throws_changes_nothing_open_or_teardown_do(int failingEventId)
    {
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new ThrowingLoggerProvider(failingEventId)).SetMinimumLevel(LogLevel.Trace));
        var options = new SessionRegistryOptions
        {
            SweepInterval = Timeout.InfiniteTimeSpan,
            TaskDrainTimeout = TimeSpan.FromMilliseconds(50),
            TempRoot = Path.Combine(Path.GetTempPath(), "sg-throwing-logger-" + Guid.NewGuid().ToString("N")),
        };
        var registry = new SessionRegistry(options, loggerFactory: loggerFactory);
        var owner = new MapOwner();
        registry.Register(owner);

        var id = SessionId.Parse("noisy");
        Session session = registry.Open(id);
        Assert.True(session.IsActive);
        Assert.Equal(1, registry.ActiveCount);

        owner.LastText[id] = "hello";
        var resource = session.Own(new Res("resource"));
        string temp = session.CreateTempFile(".wav");
        File.WriteAllText(temp, "audio");
        var stuck = new TaskCompletionSource();
        _ = session.Run(_ => stuck.Task, "ignores-cancellation");

        Task<SessionTeardownReport> end = session.EndAsync();
        Task first = await Task.WhenAny(end, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(ReferenceEquals(first, end), "EndAsync never completed");
        SessionTeardownReport report = await end;

        Assert.True(session.IsEnded);
        Assert.Equal(0, registry.ActiveCount);
        Assert.Equal(1, resource.Disposals);
        Assert.False(File.Exists(temp), "the temp file was not deleted");
        Assert.Empty(owner.LastText);
        Assert.Equal(1, report.TasksMissedDrain);
        stuck.SetResult();

        Task dispose = registry.DisposeAsync().AsTask();
        Assert.True(ReferenceEquals(await Task.WhenAny(dispose, Task.Delay(TimeSpan.FromSeconds(30))), dispose), "DisposeAsync never completed");
    }

    private sealed class ThrowingLoggerProvider : ILoggerProvider
    {
        private readonly int _eventId;

        public ThrowingLoggerProvider(int eventId) => _eventId = eventId;

        public ILogger CreateLogger(string categoryName) => new ThrowingLogger(_eventId);

        public void Dispose()
        {
        }
    }

    private sealed class ThrowingLogger : ILogger
    {
        private readonly int _eventId;

        public ThrowingLogger(int eventId) => _eventId = eventId;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => throw new IOException("the log sink is gone");

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (_eventId == -1 || eventId.Id == _eventId)
            {
                throw new IOException("the log sink is gone");
            }
        }
    }
}
