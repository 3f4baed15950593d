using System.Threading.Tasks;

namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001 where the answer lies in a callee of the same compilation (issue 17, the real-world suite's remaining false
/// reports): a callee that observes the task it returns (also through an interface of the project), a continuation
/// that hands its antecedent to an observing method of the project, an awaiter that runs the continuation it was
/// given. Each exemption (Stays_quiet) has its kept case beside it (Reports).
/// </summary>
public class FireAndForgetCalleeTests : AnalyzerCaseTests<FireAndForgetAnalyzer>
{
    private const string Socket = """
        public interface ISocket
        {
            Task Send(byte[] buffer, Action<Exception> error);
        }

        public sealed class SocketWrapper : ISocket
        {
            private readonly Stream _stream = Stream.Null;

            public Task Send(byte[] buffer, Action<Exception> error)
            {
                try
                {
                    Task task = _stream.WriteAsync(buffer, 0, buffer.Length);
                    task.ContinueWith(t => error(t.Exception!), TaskContinuationOptions.OnlyOnFaulted);
                    return task;
                }
                catch (Exception e)
                {
                    error(e);
                    return null!;
                }
            }
        }
        """;

    public static TheoryData<string, string> Positive => new()
    {
        { "a continuation handing its antecedent on to a method that never reads the fault", """
            sealed class Tracker
            {
                sealed class Node(Tracker owner)
                {
                    public void Complete(Task task) => owner.OnCompleted(this, task);
                }

                void OnCompleted(Node node, Task task) => Console.WriteLine(task.Status);

                public Task Track(Task task)
                {
                    var node = new Node(this);
                    {|SG1005:task.ContinueWith(static (t, s) => ((Node)s!).Complete(t), node, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)|};
                    return task;
                }
            }
            """ },
        { "a callee returning a faulted TaskCompletionSource task nobody observes", Socket + """
            class Connection(ISocket socket, bool open)
            {
                Task Send(byte[] bytes)
                {
                    if (!open)
                    {
                        var failed = new TaskCompletionSource<object>();
                        failed.SetException(new InvalidOperationException("closed"));
                        return failed.Task;
                    }

                    return SendBytes(bytes);
                }

                Task SendBytes(byte[] bytes) => socket.Send(bytes, e => Console.WriteLine(e));

                void OnPing(byte[] bytes) { {|SG1001:Send(bytes)|}; }
            }
            """ },
        { "an interface with one implementation that does not observe what it returns", Socket + """
            public sealed class RawSocket : ISocket
            {
                public Task Send(byte[] buffer, Action<Exception> error) => Stream.Null.WriteAsync(buffer, 0, buffer.Length);
            }

            class Connection(ISocket socket)
            {
                void Close(byte[] frame) { {|SG1001:socket.Send(frame, e => Console.WriteLine(e))|}; }
            }
            """ },
        { "a callee whose continuation runs only when the task did not fault", """
            class C
            {
                Task Write(Stream stream, byte[] buffer)
                {
                    var task = stream.WriteAsync(buffer, 0, buffer.Length);
                    task.ContinueWith(t => Console.WriteLine(t.Exception), TaskContinuationOptions.NotOnFaulted);
                    return task;
                }

                void M(Stream stream) { {|SG1001:Write(stream, new byte[1])|}; }
            }
            """ },
        { "a continuation handing its antecedent to a method that never reads the fault", """
            sealed class Op
            {
                public void Count(Task attempt) => Console.WriteLine(attempt.Status);
            }

            class C
            {
                void M(Task attempt, Op op)
                {
                    {|SG1005:attempt.ContinueWith(static (t, state) => ((Op)state!).Count(t), op, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)|};
                }
            }
            """ },
        { "Task.Run of an Action parameter outside an awaiter", """
            class C
            {
                void Schedule(Action work) { {|SG1001:Task.Run(work)|}; }
            }
            """ },

        // Shape C through callees: user code, a throw, an await that can fault, or an endless loop outside the guard.
        { "callee that raises an event before its guarded try", """
            class Client(ILogger logger)
            {
                public event Action<string>? Disconnected;
                Task ConnectAsync() => Task.CompletedTask;
                async Task ReconnectAsync()
                {
                    Disconnected?.Invoke("lost");
                    try { await ConnectAsync(); }
                    catch (Exception ex) { logger.LogError(ex, "reconnect failed"); }
                }
                void OnLost() { _ = {|SG1001:ReconnectAsync()|}; }
            }
            """ },
        { "callee that awaits a framework call or a method that can throw outside its guard", """
            class Client(ILogger logger)
            {
                private bool _closed;
                Task SendAsync() => Task.CompletedTask;
                async Task TryGoodbyeAsync() { try { await SendAsync(); } catch (Exception ex) { logger.LogWarning(ex, "goodbye failed"); } }
                void ThrowIfClosed() { if (_closed) throw new ObjectDisposedException(nameof(Client)); }
                async Task FlushAsync(Stream stream) { await TryGoodbyeAsync(); await stream.FlushAsync(); }
                async Task CloseAsync() { ThrowIfClosed(); await TryGoodbyeAsync(); }
                async Task NotGuardedAsync() { await TryGoodbyeAsync(); await SendAsync(); }
                void Stop(Stream stream)
                {
                    _ = {|SG1001:FlushAsync(stream)|};
                    _ = {|SG1001:CloseAsync()|};
                    _ = {|SG1005:NotGuardedAsync()|};
                }
            }
            """ },
        { "callee that delays in a while (true) with no way out", """
            class Pinger
            {
                async Task PingAsync(CancellationToken ct) { while (true) { await Task.Delay(1000, ct); } }
                void Start(CancellationToken ct) { _ = {|SG1005:PingAsync(ct)|}; }
            }
            """ },
        { "a fault-free receive loop's own discard of a reconnect that can fail", """
            class Receiver(ILogger logger)
            {
                private readonly bool _started = true;
                public TimeSpan? RetryAfter { get; set; }
                Task<int> ReadAsync(CancellationToken ct) => Task.FromResult(0);
                bool ShouldIgnore(object? client) => !_started || client is null;
                async Task ReconnectAsync() { await Task.Yield(); throw new InvalidOperationException("reconnect failed"); }

                async Task ListenAsync(object client, CancellationToken ct)
                {
                    Exception? cause = null;
                    try
                    {
                        while (!ct.IsCancellationRequested) { await ReadAsync(ct); }
                    }
                    catch (Exception ex) { logger.LogError(ex, "receive failed"); cause = ex; }

                    if (ShouldIgnore(client)) return;
                    if (RetryAfter.HasValue)
                    {
                        var wait = RetryAfter.Value;
                        logger.LogWarning("retrying in {Wait} after {Cause}", wait, cause?.Message);
                        await Task.Delay(wait, ct).ConfigureAwait(false);
                    }

                    _ = {|SG1001:ReconnectAsync()|};
                }

                void Start(object client, CancellationToken ct) { _ = ListenAsync(client, ct); }
            }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        { "a cached delegate field whose method hands the task on to a method that reads the fault", """
            sealed class Handshake
            {
                static readonly Action<Task, object> Completed = new Action<Task, object>(OnCompleted);
                readonly Stream _stream = Stream.Null;

                static void OnCompleted(Task task, object state)
                {
                    var self = (Handshake)state;
                    Complete(task, self);
                }

                static void Complete(Task task, Handshake self)
                {
                    if (task.IsFaulted)
                    {
                        Console.WriteLine(task.Exception!.InnerException);
                    }
                }

                public void Start() => _stream.FlushAsync().ContinueWith(Completed, this, TaskContinuationOptions.ExecuteSynchronously);
            }
            """ },
        { "a continuation handing its antecedent to a method that hands it on to the observer", """
            sealed class Tracker
            {
                sealed class Node(Tracker owner)
                {
                    public void Complete(Task task) => owner.OnCompleted(this, task);
                }

                void OnCompleted(Node node, Task task)
                {
                    if (task.IsFaulted)
                    {
                        Console.WriteLine(task.Exception!.InnerException);
                    }
                }

                public Task Track(Task task)
                {
                    var node = new Node(this);
                    task.ContinueWith(static (t, s) => ((Node)s!).Complete(t), node, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    return task;
                }
            }
            """ },
        { "a call through an interface whose every implementation observes the task it returns", Socket + """
            class Connection(ISocket socket)
            {
                void Close(byte[] frame) { socket.Send(frame, e => Console.WriteLine(e)); }
            }
            """ },
        { "a callee that returns what an observing implementation returns", Socket + """
            class Connection(ISocket socket)
            {
                Task SendBytes(byte[] bytes) => socket.Send(bytes, e => Console.WriteLine(e));

                void Handshake(byte[] bytes) { SendBytes(bytes); }
            }
            """ },
        { "a continuation handing its antecedent to a method of the project that reads its fault", """
            sealed class Op
            {
                private readonly TaskCompletionSource<int> _proxy = new();

                public void Forward(Task<int> attempt)
                {
                    if (attempt.IsCanceled) _proxy.TrySetCanceled();
                    else if (attempt.IsFaulted) _proxy.TrySetException(attempt.Exception!.InnerExceptions);
                    else _proxy.TrySetResult(attempt.Result);
                }

                public void ForwardLater(Task<int> attempt) => attempt.ContinueWith(
                    static (completed, state) => ((Op)state!).Forward(completed),
                    this,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
            """ },
        { "an awaiter running the continuation it was given", """
            public sealed class SocketAwaitable : System.Runtime.CompilerServices.ICriticalNotifyCompletion
            {
                private static readonly Action Completed = () => { };
                private Action? _callback;

                public bool IsCompleted => ReferenceEquals(_callback, Completed);
                public SocketAwaitable GetAwaiter() => this;
                public int GetResult() => 0;

                public void OnCompleted(Action continuation)
                {
                    if (ReferenceEquals(Interlocked.CompareExchange(ref _callback, continuation, null), Completed))
                    {
                        Task.Run(continuation);
                    }
                }

                public void UnsafeOnCompleted(Action continuation) => Task.Run(() => continuation());
            }
            """ },
        // Shape C through callees: everything outside the guard is logging, a Try method, a delay, or a callee that is itself safe.
        { "callee that logs after its guarded try and cleans up in a guarded finally", """
            class Listener(ILogger logger)
            {
                Task ServeAsync(Stream stream) => Task.CompletedTask;
                async Task HandleAsync(Stream stream)
                {
                    string? peer = null;
                    try { peer = "client"; await ServeAsync(stream); }
                    catch (Exception ex) { logger.LogError(ex, "connection failed"); }
                    finally
                    {
                        try { await stream.DisposeAsync(); }
                        catch (Exception ex) { logger.LogError(ex, "cleanup failed"); }
                    }

                    logger.LogDebug("{Peer} disconnected", peer);
                }

                void Accept(Stream stream)
                {
                    _ = Task.Factory.StartNew(() => HandleAsync(stream), CancellationToken.None, TaskCreationOptions.PreferFairness, TaskScheduler.Default);
                }
            }
            """ },
        { "stop that awaits a guarded callee and cancels through a Try method", """
            class Client(ILogger logger)
            {
                private readonly CancellationTokenSource _cts = new();
                private bool _sent;
                public bool IsRunning { get; private set; }
                Task SendAsync() => Task.CompletedTask;
                async Task TrySendGoodbyeAsync()
                {
                    try { _sent = true; await SendAsync(); }
                    catch (Exception ex) { logger.LogWarning(ex, "goodbye failed"); }
                }
                static bool TryCancel(CancellationTokenSource cts)
                {
                    try { cts.Cancel(); return true; }
                    catch (ObjectDisposedException) { return false; }
                }
                void StopInternal() => TryCancel(_cts);
                public async Task StopAsync(bool polite)
                {
                    IsRunning = false;
                    if (polite && !_sent)
                    {
                        await TrySendGoodbyeAsync().ConfigureAwait(false);
                    }

                    StopInternal();
                }
            }
            class KeepAlive
            {
                void Expire(Client client) { _ = client.StopAsync(polite: true); }
            }
            """ },
        { "poll loop over a token-bound delay and a guarded check, through the project's ConfigureAwait wrapper", """
            static class TaskConfiguration
            {
                public static System.Runtime.CompilerServices.ConfiguredTaskAwaitable NoContext(this Task task) => task.ConfigureAwait(false);
                public static System.Runtime.CompilerServices.ConfiguredTaskAwaitable<T> NoContext<T>(this Task<T> task) => task.ConfigureAwait(false);
            }
            class Poller
            {
                private readonly ILogger _logger;
                private int _gate;
                public Poller(ILogger logger) => _logger = logger;
                Task ProbeAsync() => Task.CompletedTask;
                static bool TryGetInterval(object? target, out TimeSpan interval)
                {
                    interval = target is Poller ? TimeSpan.FromSeconds(1) : TimeSpan.Zero;
                    return interval > TimeSpan.Zero;
                }
                static async Task<bool> CheckAsync(object? target)
                {
                    if (target is not Poller poller) return false;
                    if (Interlocked.CompareExchange(ref poller._gate, 1, 0) is not 0) return true;
                    try { await poller.ProbeAsync().NoContext(); }
                    catch (Exception ex) { poller._logger.LogError(ex, "probe failed"); }
                    finally { Volatile.Write(ref poller._gate, 0); }
                    return true;
                }
                void Start(CancellationToken ct)
                {
                    _ = Task.Run(() => PollAsync(new WeakReference(this), ct));

                    static async Task PollAsync(WeakReference target, CancellationToken ct)
                    {
                        while (TryGetInterval(target.Target, out var interval))
                        {
                            try { await Task.Delay(interval, ct).NoContext(); }
                            catch (OperationCanceledException) { break; }
                            if (!await CheckAsync(target.Target).NoContext()) break;
                        }
                    }
                }
            }
            """ },
        { "lambda whose guard is spread over a delay and a guarded callee", """
            class C(ILogger logger)
            {
                async Task TryWorkAsync() { try { await Task.Delay(1); } catch (Exception ex) { logger.LogError(ex, "work failed"); } }
                void M(CancellationToken ct)
                {
                    _ = Task.Run(async () =>
                    {
                        while (!ct.IsCancellationRequested)
                        {
                            await TryWorkAsync();
                            try { await Task.Delay(100, ct); } catch (OperationCanceledException) { return; }
                        }
                    });
                }
            }
            """ },
    };
}
