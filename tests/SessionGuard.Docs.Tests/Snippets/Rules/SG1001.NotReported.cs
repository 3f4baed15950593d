// docs/rules/SG1001.md: every block of "Not reported" after the first two (those are in SG1001.cs). The lines the
// page marks SG1001 are reported: the warning is disabled around each of them, and only there.
using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG1001NotReported;

public static class TaskObservation
{
    public static Task LogFaults(this Task task, ILogger logger)
    {
        task.GetAwaiter().OnCompleted(() =>
        {
            if (task.IsFaulted)
            {
                logger.LogError(task.Exception, "background work failed");
            }
        });
        return task;
    }
}

public sealed class Notifier(ILogger _logger)
{
    public void Notify(string line)
    {
        _ = SendAsync(line).LogFaults(_logger);        // not reported: the same task, observed by the helper
#pragma warning disable SG1001 // reported, as the page says
        SendAsync(line).ContinueWith(_ => Count());    // SG1001: the continuation is a new task, dropped
#pragma warning restore SG1001
    }

    public Task<int> RelayAsync()
    {
        var relay = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        CountAsync().ContinueWith(t =>
        {
            if (t.IsFaulted) relay.TrySetException(t.Exception!.InnerExceptions);
            else if (t.IsCanceled) relay.TrySetCanceled();
            else relay.TrySetResult(t.Result);
        }, TaskScheduler.Default);
        SendAsync().ContinueWith(t => _logger.LogError(t.Exception, "send failed"), TaskContinuationOptions.OnlyOnFaulted);
#pragma warning disable SG1001 // reported, as the page says
        SendAsync().ContinueWith(_ => Count(), TaskContinuationOptions.OnlyOnFaulted);   // SG1001 on SendAsync(): the fault is never read
#pragma warning restore SG1001
        return relay.Task;
    }

    private static Task SendAsync(string line) => Stream.Null.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line)).AsTask();

    private static Task SendAsync() => Stream.Null.FlushAsync();

    private static Task<int> CountAsync() => Task.FromResult(1);

    private static void Count()
    {
    }
}

internal static class TaskExtensions
{
    private static readonly Action<Task> observeErrors = ObserveErrors;
    private static readonly Action<Task, object?> link = (t, promise) => ((TaskCompletionSource)promise!).TrySetException(t.Exception!.InnerExceptions);
    private static void ObserveErrors(Task task) => GC.KeepAlive(task.Exception);
    private static void Count(Task task) => Console.WriteLine(task.Status);

    internal static Task Observed(this Task task)
    {
        task.ContinueWith(observeErrors, TaskContinuationOptions.OnlyOnFaulted);   // not reported: reads the fault
#pragma warning disable SG1001 // reported, as the page says
        task.ContinueWith(Count, TaskContinuationOptions.OnlyOnFaulted);           // SG1001: never reads the fault
#pragma warning restore SG1001
        return task;
    }

    internal static void FaultInto(this Task task, TaskCompletionSource promise) =>
        task.ContinueWith(link, promise, TaskContinuationOptions.OnlyOnFaulted);   // not reported: the promise gets the fault
}

internal sealed class PendingReply
{
    private readonly TaskCompletionSource<string> _reply = new();
    private CancellationTokenRegistration _registration;

    public Task<string> WaitAsync(CancellationToken ct)
    {
        _registration = ct.Register(s => ((PendingReply)s!)._reply.TrySetCanceled(), this);
        _reply.Task.ContinueWith(
            (_, s) => ((PendingReply)s!)._registration.Dispose(),                 // not reported: the caller holds the reply
            this,
            TaskContinuationOptions.ExecuteSynchronously);
        return _reply.Task;
    }

    public void Send(Func<Task> sendAsync)
    {
#pragma warning disable SG1001 // reported, as the page says
        sendAsync().ContinueWith(_ => _registration.Dispose());                     // SG1001: the send's fault is dropped with it
#pragma warning restore SG1001
    }
}

public sealed class Pump(ChannelReader<string> reader, ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public Task StartAsync() => _loop ??= RunAsync(_stop.Token);   // kept in _loop, awaited in DisposeAsync

    public void Start(CancellationToken ct)
    {
        _ = StartAsync();                                          // not reported: the type owns the task
        _ = DrainAsync(ct);                                        // not reported: observes its own faults
        _ = Task.Run(async () =>
        {
            try { await reader.Completion; }
            catch (Exception ex) { logger.LogError(ex, "reader failed"); }
        });
    }

    private async Task DrainAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { logger.LogInformation("{Line}", await reader.ReadAsync(ct)); }
            catch (OperationCanceledException) { break; }
            catch (Exception ex) { logger.LogError(ex, "drain failed"); }
        }
    }

    private async Task RunAsync(CancellationToken ct) => await Task.Delay(Timeout.Infinite, ct);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_loop is not null)
        {
            try { await _loop; } catch (OperationCanceledException) { }
        }
    }
}

public sealed class Acceptor(ILogger _logger)
{
    public bool Serving { get; private set; }

    private async Task HandleAsync(Socket socket)
    {
        Stream? stream = null;                         // cannot throw
        bool done = false;
        Serving = true;                                // public bool Serving { get; private set; }
        try { stream = new NetworkStream(socket); await ServeAsync(stream); done = true; }
        catch (Exception ex) { _logger.LogError(ex, "connection failed (done: {Done})", done); }
        Serving = false;
    }

    private async ValueTask CloseAsync(IAsyncDisposable component)
    {
        try { _logger.LogDebug("closing"); } catch { }
        try { await component.DisposeAsync(); }
        catch (Exception ex) { _logger.LogError(ex, "close failed"); }
    }

    public void Accept(Socket socket, IAsyncDisposable reader)
    {
        _ = Task.Factory.StartNew(() => HandleAsync(socket), CancellationToken.None,
            TaskCreationOptions.PreferFairness, TaskScheduler.Default).ConfigureAwait(false);   // not reported
        _ = Task.Run(() => CloseAsync(reader));                                                  // not reported
#pragma warning disable SG1001 // reported, as the page says
        _ = HandleAsync(socket).WaitAsync(TimeSpan.FromSeconds(5));   // SG1001: WaitAsync's task faults on a timeout
#pragma warning restore SG1001
    }

    private static Task ServeAsync(Stream stream) => Task.CompletedTask;
}

public sealed class RecordedOp
{
    private readonly TaskCompletionSource<int> _proxy = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ForwardLater(Task<int> attempt) => attempt.ContinueWith(
        static (completed, state) => ((RecordedOp)state!).Forward(completed),   // not reported: Forward reads the fault
        this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

#pragma warning disable SG1005 // reported, as the page says
    public void CountLater(Task<int> attempt) => attempt.ContinueWith(
        static (completed, state) => ((RecordedOp)state!).Count(completed),     // SG1005: Count never reads the fault
        this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
#pragma warning restore SG1005

    private void Forward(Task<int> attempt)
    {
        if (attempt.IsCanceled) _proxy.TrySetCanceled();
        else if (attempt.IsFaulted) _proxy.TrySetException(attempt.Exception!.InnerExceptions);
        else _proxy.TrySetResult(attempt.Result);
    }

    private void Count(Task<int> attempt) => Console.WriteLine(attempt.Status);
}

public sealed class Receiver(ILogger logger)
{
    private readonly CancellationTokenSource _cts = new();
    private bool _stopping;

    public TimeSpan? RetryAfter { get; set; }

    public void Start(Stream stream, CancellationToken ct) => _ = ListenAsync(stream, ct);   // not reported
    public void Expire() => _ = StopAsync();                                                  // not reported

    private async Task ListenAsync(Stream stream, CancellationToken ct)
    {
        try
        {
            var buffer = new byte[4096];
            while (await stream.ReadAsync(buffer, ct) > 0) { }
        }
        catch (Exception ex) { logger.LogError(ex, "receive failed"); }

        if (_stopping) return;
        if (RetryAfter.HasValue)
        {
            logger.LogWarning("reconnecting in {Delay}", RetryAfter.Value);
            await Task.Delay(RetryAfter.Value, ct).ConfigureAwait(false);
        }

#pragma warning disable SG1001 // reported, as the page says
        _ = ReconnectAsync(ct);   // SG1001: ReconnectAsync awaits a connect outside any try
#pragma warning restore SG1001
    }

    private async Task StopAsync()
    {
        _stopping = true;
        await TrySendGoodbyeAsync().ConfigureAwait(false);
        TryCancel();
    }

    private async Task TrySendGoodbyeAsync()
    {
        try { await Task.Delay(10); }
        catch (Exception ex) { logger.LogWarning(ex, "goodbye failed"); }
    }

    private bool TryCancel()
    {
        try { _cts.Cancel(); return true; }
        catch (ObjectDisposedException) { return false; }
    }

    private async Task ReconnectAsync(CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("localhost", 5000, ct);
    }
}

public interface ITransport
{
    Task Send(byte[] buffer, Action<Exception> error);
}

public sealed class StreamTransport(Stream stream) : ITransport
{
    public Task Send(byte[] buffer, Action<Exception> error)
    {
        var task = stream.WriteAsync(buffer, 0, buffer.Length);
        task.ContinueWith(t => error(t.Exception!), TaskContinuationOptions.OnlyOnFaulted);
        return task;
    }
}

public sealed class Connection(ITransport transport)
{
    public void SendFrame(byte[] frame) => transport.Send(frame, e => Console.WriteLine(e.Message));   // not reported
}

public sealed class SignalAwaitable : ICriticalNotifyCompletion
{
    private static readonly Action Completed = () => { };
    private Action? _continuation;

    public bool IsCompleted => ReferenceEquals(_continuation, Completed);
    public SignalAwaitable GetAwaiter() => this;
    public void GetResult() { }

    public void OnCompleted(Action continuation)
    {
        if (ReferenceEquals(Interlocked.CompareExchange(ref _continuation, continuation, null), Completed))
        {
            Task.Run(continuation);   // not reported: resumes an async method, whose faults go into its own task
        }
    }

    public void UnsafeOnCompleted(Action continuation) => OnCompleted(continuation);
}

internal static class Promises
{
    public static Task<bool> TrySetResultAsync<T>(this TaskCompletionSource<T> source, T result) =>
        Task.Run(() => source.TrySetResult(result));   // completes the promise off the caller's thread

    public static Task SetResultAsync<T>(this TaskCompletionSource<T> source, T result) =>
        Task.Run(() => source.SetResult(result));      // throws when the promise is already complete
}

public sealed class Handshake(TimeSpan timeout)
{
    private readonly TaskCompletionSource<bool> _ready = new();

    public Task Ready => _ready.Task;

    public void Start(CancellationToken ct)
    {
        var _ = Task.Run(async () =>                                // not reported: the timeout cannot fault
        {
            try
            {
                await Task.Delay(timeout, ct).ConfigureAwait(false);
                _ready.TrySetException(new TimeoutException());
            }
            catch (OperationCanceledException) { }
        });
    }

    public void OnReady() => _ = _ready.TrySetResultAsync(true);    // not reported
#pragma warning disable SG1001 // reported, as the page says
    public void OnReadyOnce() => _ = _ready.SetResultAsync(true);   // SG1001: SetResult can throw
#pragma warning restore SG1001

    public async Task ReceiveAsync(Func<Task<int>> receive, CancellationToken ct)
    {
        var closed = Task.Delay(Timeout.Infinite, ct);              // not reported: a delay cannot fault
        while (!ct.IsCancellationRequested)
        {
            var next = receive();
            if (await Task.WhenAny(closed, next).ConfigureAwait(false) == closed)
            {
                break;
            }

            Console.WriteLine(await next.ConfigureAwait(false));
        }
    }
}

public sealed class HangUp(SessionRegistry registry)
{
    public void OnClientGone(Session session) => _ = session.EndAsync();   // not reported: the registry owns the teardown

    public void OnStall(SessionId id) => _ = registry.EndAsync(id, SessionEndReason.IdleExpired);   // not reported
}

public static class Retries
{
    public static async Task<int> UntilAcceptedAsync(Task<int> attempt, Func<Task<int>> retry, CancellationToken ct)
    {
        while (true)
        {
            int status = await attempt.WaitAsync(ct).ConfigureAwait(false);
            if (status == 503)
            {
                attempt = retry();   // not reported: awaited at the top of the loop
                continue;
            }

            return status;
        }
    }

    public static async Task<int> ReleaseAsync(Func<ValueTask<int>> release)
    {
        ValueTask<int> pending = default;
        Exception? failure = null;
        try
        {
            pending = release();   // not reported: awaited below unless release() threw
        }
        catch (InvalidOperationException ex)
        {
            failure = ex;
        }

        if (failure is not null)
        {
            return -1;
        }

        return await pending.ConfigureAwait(false);
    }
}
