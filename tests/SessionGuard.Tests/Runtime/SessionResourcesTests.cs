using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using SessionGuard;
using static SessionGuard.Tests.Runtime.TestRegistries;

namespace SessionGuard.Tests.Runtime;

/// <summary>What a session holds: its tasks (Run), owned resources (Own) and temp files.</summary>
public class SessionResourcesTests
{
    [Fact]
    public async Task Run_tracks_only_running_tasks_and_counts_faults()
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Debug));
        await using var registry = new SessionRegistry(NoSweep(), loggerFactory: loggerFactory);
        var session = registry.Open(SessionId.Parse("runner"));
        for (int i = 0; i < 10_000; i++)
        {
            await session.Run(_ => Task.CompletedTask);
            await session.Run(async _ => await Task.Yield());
        }

        Assert.Equal(0, session.RunningTasks);
        var fault = session.Run(_ => throw new InvalidOperationException("sync boom"), "sync-fault");
        var asyncFault = session.Run(async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException("async boom");
        }, "async-fault");
        await Assert.ThrowsAsync<InvalidOperationException>(() => fault);
        await Assert.ThrowsAsync<InvalidOperationException>(() => asyncFault);
        await WaitUntil(() => session.RunningTasks == 0);

        var report = (await session.EndAsync())!;
        Assert.Equal(20_002, report.TasksStarted);
        Assert.Equal(2, report.TasksFaulted);
        Assert.Equal(0, report.TasksCancelled);
        var errors = logs.GetSnapshot().Where(r => r.Level == LogLevel.Error).ToArray();
        Assert.Equal(2, errors.Length);
        Assert.Contains(errors, e => e.Message.Contains("sync-fault") && e.Exception!.Message == "sync boom");
        Assert.Contains(errors, e => e.Message.Contains("async-fault") && e.Exception!.Message == "async boom");
    }

    [Fact]
    public async Task Faulted_session_tasks_never_become_unobserved_exceptions()
    {
        int unobserved = 0;
        EventHandler<UnobservedTaskExceptionEventArgs> handler = (_, e) =>
        {
            if (e.Exception.InnerExceptions.Any(x => x.Message == "nobody awaits me"))
            {
                Interlocked.Increment(ref unobserved);
            }
        };
        TaskScheduler.UnobservedTaskException += handler;
        try
        {
            await using (var registry = new SessionRegistry(NoSweep()))
            {
                var session = registry.Open(SessionId.New());
                for (int i = 0; i < 100; i++)
                {
                    _ = session.Run(async _ =>
                    {
                        await Task.Yield();
                        throw new InvalidOperationException("nobody awaits me");
                    });
                }

                await WaitUntil(() => session.RunningTasks == 0);
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.Equal(0, Volatile.Read(ref unobserved));
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= handler;
        }
    }

    [Fact]
    public async Task Run_Own_and_CreateTempFile_on_an_ended_session_throw_naming_it_and_Own_disposes_first()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var session = registry.Open(SessionId.Parse("gone"));
        await session.EndAsync();

        var ex = Assert.Throws<ObjectDisposedException>(() => { _ = session.Run(_ => Task.CompletedTask); });
        Assert.Contains("'gone'", ex.Message);
        var late = new Res("late");
        ex = Assert.Throws<ObjectDisposedException>(() => session.Own(late));
        Assert.Contains("'gone'", ex.Message);
        Assert.Equal(1, late.Disposals);
        var lateAsync = new AsyncRes("late-async");
        Assert.Throws<ObjectDisposedException>(() => session.Own(lateAsync));
        Assert.Equal(1, lateAsync.Disposals);
        ex = Assert.Throws<ObjectDisposedException>(() => session.CreateTempFile(".wav"));
        Assert.Contains("'gone'", ex.Message);
    }

    [Fact]
    public async Task Own_prefers_DisposeAsync_and_rejects_non_disposables()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var session = registry.Open(SessionId.New());
        var both = session.Own(new BothRes());
        var ex = Assert.Throws<ArgumentException>(() => session.Own(new object()));
        Assert.Contains("neither", ex.Message);
        Assert.Throws<ArgumentNullException>(() => session.Own<IDisposable>(null!));
        Assert.Throws<ArgumentNullException>(() => { _ = session.Run(null!); });
        await session.EndAsync();
        Assert.Equal(1, both.Async);
        Assert.Equal(0, both.Sync);
    }

    [Fact]
    public async Task Temp_files_are_owner_only_and_deleted_at_teardown()
    {
        string root = Path.Combine(Path.GetTempPath(), "sg-tests-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var registry = new SessionRegistry(NoSweep(o => o.TempRoot = root));
            var session = registry.Open(SessionId.Parse("with/slash"));
            string a = session.CreateTempFile(".wav");
            string b = session.CreateTempFile("pcm");
            Assert.True(File.Exists(a) && File.Exists(b));
            Assert.EndsWith(".wav", a);
            Assert.EndsWith(".pcm", b);
            Assert.Equal(registry.TempFolder, Path.GetDirectoryName(a));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(a));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(registry.TempFolder));
            }

            await File.WriteAllTextAsync(a, "audio");
            var report = (await session.EndAsync())!;
            Assert.Equal(2, report.TempFilesDeleted);
            Assert.False(File.Exists(a));
            Assert.False(File.Exists(b));

            var other = registry.Open(SessionId.New());
            Assert.Throws<ArgumentException>(() => other.CreateTempFile(""));
            Assert.Throws<ArgumentException>(() => other.CreateTempFile("."));
            Assert.Throws<ArgumentException>(() => other.CreateTempFile("../evil"));
            Assert.Throws<ArgumentException>(() => other.CreateTempFile(".a/b"));
            Assert.Throws<ArgumentException>(() => other.CreateTempFile(new string('x', 16)));
            Assert.Throws<ArgumentNullException>(() => other.CreateTempFile(null!));
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
