using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

public class TaskExtensionsTests
{
    [Fact]
    public void Completed_fault_is_logged_at_error_with_the_exception_and_expression()
    {
        var logger = new FakeLogger();
        var boom = new InvalidOperationException("boom");
        Task failing = Task.FromException(boom);

        failing.Forget(logger);

        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Error, record.Level);
        Assert.Same(boom, record.Exception);
        Assert.Contains("failing", record.Message, StringComparison.Ordinal);
        Assert.Equal(1001, record.Id.Id);
    }

    [Fact]
    public async Task Later_fault_is_logged_and_observed()
    {
        var logger = new FakeLogger();
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var logged = new TaskCompletionSource<FakeLogRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        tcs.Task.Forget(new CallbackLogger(logger, logged));
        Assert.Empty(logger.Collector.GetSnapshot());
        tcs.SetException(new TimeoutException("late"));

        var record = await logged.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(LogLevel.Error, record.Level);
        Assert.IsType<TimeoutException>(record.Exception);
    }

    [Fact]
    public async Task Success_and_cancellation_are_not_logged()
    {
        var logger = new FakeLogger();
        Task.CompletedTask.Forget(logger);
        Task.FromCanceled(new CancellationToken(true)).Forget(logger);
        var tcs = new TaskCompletionSource();
        tcs.Task.Forget(logger);
        tcs.SetResult();
        var canceled = new TaskCompletionSource();
        canceled.Task.Forget(logger);
        canceled.SetCanceled();
        await Task.WhenAll(tcs.Task, Task.Run(() => { }));

        Assert.Empty(logger.Collector.GetSnapshot());
    }

    [Fact]
    public void Several_exceptions_are_logged_as_the_aggregate()
    {
        var logger = new FakeLogger();
        var tcs = new TaskCompletionSource();
        tcs.SetException(new Exception[] { new InvalidOperationException("a"), new ArgumentException("b") });

        tcs.Task.Forget(logger);

        var record = Assert.Single(logger.Collector.GetSnapshot());
        var aggregate = Assert.IsType<AggregateException>(record.Exception);
        Assert.Equal(2, aggregate.InnerExceptions.Count);
    }

    [Fact]
    public void ValueTask_overloads_log_faults_and_consume_successes()
    {
        var logger = new FakeLogger();
        new ValueTask(Task.FromException(new InvalidOperationException("vt"))).Forget(logger);
        new ValueTask<int>(Task.FromException<int>(new ArgumentException("vt1"))).Forget(logger);
        default(ValueTask).Forget(logger);
        new ValueTask<int>(5).Forget(logger);

        var records = logger.Collector.GetSnapshot();
        Assert.Equal(2, records.Count);
        Assert.IsType<InvalidOperationException>(records[0].Exception);
        Assert.IsType<ArgumentException>(records[1].Exception);
    }

    [Fact]
    public void Null_arguments_are_rejected()
    {
        var logger = new FakeLogger();
        Assert.Equal("task", Assert.Throws<ArgumentNullException>(() => ((Task)null!).Forget(logger)).ParamName);
        Assert.Equal("logger", Assert.Throws<ArgumentNullException>(() => Task.CompletedTask.Forget(null!)).ParamName);
        Assert.Equal("logger", Assert.Throws<ArgumentNullException>(() => default(ValueTask).Forget(null!)).ParamName);
        Assert.Equal("logger", Assert.Throws<ArgumentNullException>(() => default(ValueTask<int>).Forget(null!)).ParamName);
    }

    [Fact]
    public async Task Many_threads_forgetting_faulting_tasks_log_each_fault_once()
    {
        const int Threads = 8;
        const int PerThread = 250;
        var logger = new FakeLogger();
        var sources = new TaskCompletionSource[Threads * PerThread];
        for (int i = 0; i < sources.Length; i++)
        {
            sources[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        var workers = Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            for (int i = t * PerThread; i < (t + 1) * PerThread; i++)
            {
                sources[i].Task.Forget(logger);
                if (i % 2 == 0)
                {
                    sources[i].SetException(new InvalidOperationException(i.ToString()));
                }
                else
                {
                    sources[i].SetResult();
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        // Continuations run on the thread pool; wait until every fault has been logged (bounded, not timed).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (logger.Collector.Count < Threads * PerThread / 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        var messages = logger.Collector.GetSnapshot().Select(r => r.Exception!.Message).ToList();
        Assert.Equal(Threads * PerThread / 2, messages.Count);
        Assert.Equal(messages.Count, messages.Distinct().Count());
        Assert.All(messages, m => Assert.True(int.Parse(m) % 2 == 0));
    }

    private sealed class CallbackLogger(FakeLogger inner, TaskCompletionSource<FakeLogRecord> logged) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
            logged.TrySetResult(inner.LatestRecord);
        }
    }
}
