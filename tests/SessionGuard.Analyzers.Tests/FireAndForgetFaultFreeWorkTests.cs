namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001 and work that cannot fault (issue 17, found on Discord.Net and Npgsql): a helper of the project that only
/// hands back such work (<c>=&gt; Task.Run(() =&gt; source.TrySetResult(result))</c>), a synchronous lambda with a
/// result that cannot throw, a framework exception made to hand on, <c>GC.KeepAlive</c>, such work held in a local
/// named <c>_</c>, and a <c>Task.Delay</c> observed on some paths only. What can still fault stays reported.
/// </summary>
public class FireAndForgetFaultFreeWorkTests : AnalyzerCaseTests<FireAndForgetAnalyzer>
{
    public static TheoryData<string, string> Positive => new()
    {
        { "a helper whose work can throw: SetResult on a completed source", """
            static class Promises
            {
                public static Task SetResultAsync<T>(this TaskCompletionSource<T> source, T result) => Task.Run(() => source.SetResult(result));
            }
            class C
            {
                readonly TaskCompletionSource<bool> _ready = new();
                void Discards() { _ = {|SG1001:_ready.SetResultAsync(true)|}; }
                void Holds() { var _ = {|SG1001:_ready.SetResultAsync(true)|}; }
            }
            """ },
        { "a helper that hands back fault-free work on one path and other work on another", """
            static class Promises
            {
                public static Task<bool> TrySetResultAsync<T>(this TaskCompletionSource<T> source, T result) => Task.Run(() => source.TrySetResult(result));
            }
            class C
            {
                readonly TaskCompletionSource<bool> _ready = new();
                Task SendAsync() => Task.CompletedTask;
                Task CompleteAsync(bool send)
                {
                    if (send)
                    {
                        return SendAsync();
                    }

                    return _ready.TrySetResultAsync(true);
                }

                void M() { _ = {|SG1005:CompleteAsync(false)|}; }
            }
            """ },
        { "a synchronous lambda whose result is a task, or whose result can throw", """
            class C
            {
                readonly Dictionary<int, int> _counts = new();
                Task<int> CountAsync() => Task.FromResult(1);
                void M()
                {
                    _ = {|SG1005:Task.Run(() => CountAsync())|};
                    _ = {|SG1005:Task.Run(() => _counts[1])|};
                }
            }
            """ },
        { "an exception of this compilation, whose constructor runs its code", """
            class ConnectTimeoutException : Exception
            {
                public ConnectTimeoutException() : base(File.ReadAllText("message.txt")) { }
            }
            class C
            {
                void M(TaskCompletionSource<bool> ready, CancellationToken token)
                {
                    _ = {|SG1005:Task.Run(async () =>
                    {
                        try
                        {
                            await Task.Delay(1000, token);
                            ready.TrySetException(new ConnectTimeoutException());
                        }
                        catch (OperationCanceledException) { }
                    })|};
                }
            }
            """ },
        { "guarded work in a named local nobody reads: meant to be used", """
            class C
            {
                Task WorkAsync() => Task.CompletedTask;
                void M(ILogger logger)
                {
                    var work = {|SG1005:Task.Run(async () =>
                    {
                        try { await WorkAsync(); }
                        catch (Exception ex) { logger.LogError(ex, "failed"); }
                    })|};
                }
            }
            """ },
        { "a local of work that can fault, and a delay nobody ever observes", """
            class C
            {
                Task WorkAsync() => Task.CompletedTask;
                void M(CancellationToken token)
                {
                    var work = {|SG1005:Task.Run(() => WorkAsync())|};
                    var delay = {|SG1005:Task.Delay(1000, token)|};
                }
            }
            """ },
        { "a call after the guarded try that is not GC.KeepAlive", """
            readonly struct Handle
            {
                readonly object _target;
                public Handle(object target) => _target = target;
                public void Release() => Console.WriteLine(_target);
            }
            class C
            {
                static void Start(Task task, TaskCompletionSource<bool> source, Handle handle)
                {
                    _ = {|SG1005:Core(task, source, handle)|};

                    static async Task Core(Task task, TaskCompletionSource<bool> source, Handle handle)
                    {
                        try
                        {
                            await task.ConfigureAwait(false);
                            source.TrySetResult(true);
                        }
                        catch (Exception ex)
                        {
                            source.TrySetException(ex);
                        }

                        handle.Release();
                    }
                }
            }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        { "a helper that hands back Task.Run of TrySetResult, and a method that hands back the helper's task", """
            static class Promises
            {
                public static Task<bool> TrySetResultAsync<T>(this TaskCompletionSource<T> source, T result) => Task.Run(() => source.TrySetResult(result));
                public static Task<bool> TrySetCanceledAsync<T>(this TaskCompletionSource<T> source) => Task.Run(() => source.TrySetCanceled());
            }
            class Connection
            {
                readonly TaskCompletionSource<bool> _ready = new();
                public Task CompleteAsync() => _ready.TrySetResultAsync(true);
                public Task CancelAsync()
                {
                    if (_ready.Task.IsCompleted)
                    {
                        return Task.CompletedTask;
                    }

                    return _ready.TrySetCanceledAsync();
                }
            }
            class C
            {
                readonly TaskCompletionSource<bool> _sync = new();
                void Holds() { var _ = _sync.TrySetResultAsync(true); }
                void Drops() { _sync.TrySetResultAsync(true); }
                void Discards(Connection connection)
                {
                    _ = connection.CompleteAsync();
                    _ = connection.CancelAsync();
                }
            }
            """ },
        { "a connect timeout: a token-bound delay, then TrySetException of a new TimeoutException", """
            class C
            {
                void M(TaskCompletionSource<bool> ready, TimeSpan timeout, CancellationToken token)
                {
                    var _ = Task.Run(async () =>
                    {
                        try
                        {
                            await Task.Delay(timeout, token).ConfigureAwait(false);
                            ready.TrySetException(new TimeoutException());
                        }
                        catch (OperationCanceledException) { }
                    });
                }
            }
            """ },
        { "a local function that is one catch-all try, then GC.KeepAlive of what it was given", """
            readonly struct Handle
            {
                readonly object _target;
                public Handle(object target) => _target = target;
                public void KeepAlive() => GC.KeepAlive(_target);
            }
            class C
            {
                static void Start(Task task, TaskCompletionSource<bool> source, Handle handle)
                {
                    _ = Core(task, source, handle);

                    static async Task Core(Task task, TaskCompletionSource<bool> source, Handle handle)
                    {
                        try
                        {
                            await task.ConfigureAwait(false);
                            source.TrySetResult(true);
                        }
                        catch (Exception ex)
                        {
                            source.TrySetException(ex);
                        }

                        handle.KeepAlive();
                    }
                }
            }
            """ },
        { "a delay watched by WhenAny in a loop that may not run", """
            class C
            {
                Task<int> ReceiveAsync() => Task.FromResult(1);
                async Task RunAsync(CancellationToken token)
                {
                    var closeTask = Task.Delay(-1, token);
                    while (!token.IsCancellationRequested)
                    {
                        var receiveTask = ReceiveAsync();
                        var task = await Task.WhenAny(closeTask, receiveTask).ConfigureAwait(false);
                        if (task == closeTask)
                        {
                            break;
                        }

                        Console.WriteLine(await receiveTask.ConfigureAwait(false));
                    }
                }
            }
            """ },
        { "guarded work held in a local named _, a discard in all but name", """
            class C
            {
                Task WorkAsync() => Task.CompletedTask;
                void M(ILogger logger)
                {
                    var _ = Task.Run(async () =>
                    {
                        try { await WorkAsync(); }
                        catch (Exception ex) { logger.LogError(ex, "failed"); }
                    });
                }
            }
            """ },
    };
}
