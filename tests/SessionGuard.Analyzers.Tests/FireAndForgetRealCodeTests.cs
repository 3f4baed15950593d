using System.Threading.Tasks;

namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001 on the shapes of issue 17, found by running the analyzers on real libraries: each exemption
/// (Stays_quiet) sits next to the true case the issue says must stay reported (Reports).
/// </summary>
public class FireAndForgetRealCodeTests : AnalyzerCaseTests<FireAndForgetAnalyzer>
{
    public static TheoryData<string, string> Positive => new()
    {
        // Shape E: the inner-task report survives ConfigureAwait and WaitAsync.
        { "await StartNew(async ...).ConfigureAwait(false) still awaits only the outer task", """
            class C
            {
                async Task M()
                {
                    {|SG1005:await Task.Factory.StartNew(async () => await Task.Delay(10)).ConfigureAwait(false)|};
                }
            }
            """ },
        { "await StartNew(async ...).WaitAsync(ct) still awaits only the outer task", """
            class C
            {
                async Task M(CancellationToken ct)
                {
                    {|SG1005:await Task.Factory.StartNew(async () => await Task.Delay(10)).WaitAsync(ct)|};
                }
            }
            """ },
        { "Task.WhenAny(...).ConfigureAwait(false) not awaited", """
            class C
            {
                void M(Task a, Task b) { {|SG1005:Task.WhenAny(a, b).ConfigureAwait(false)|}; }
            }
            """ },

        // The parameter miss: a task stored into a by-value parameter is as lost as one stored into a local.
        { "lone _ lambda parameter assigned a task", """
            class C
            {
                Task ProcessAsync() => Task.CompletedTask;
                void M(ExecutionContext ctx) { ExecutionContext.Run(ctx, _ => _ = {|SG1005:ProcessAsync()|}, null); }
            }
            """ },
        { "real discards in a two-parameter lambda", """
            class C
            {
                Task ProcessAsync() => Task.CompletedTask;
                void M(List<int> items) { items.Sort((_, _) => { _ = {|SG1005:ProcessAsync()|}; return 0; }); }
            }
            """ },
        { "_ method parameter of type object assigned a task", """
            class C
            {
                Task ProcessAsync() => Task.CompletedTask;
                void M(object _) { _ = {|SG1005:ProcessAsync()|}; }
            }
            """ },
        { "method parameter overwritten with a task nobody awaits", """
            class C
            {
                Task FooAsync() => Task.CompletedTask;
                void M(Task p) { p = {|SG1005:FooAsync()|}; Console.WriteLine("started"); }
            }
            """ },
        { "parameter assigned a task awaited on only one path", """
            class C
            {
                Task FooAsync() => Task.CompletedTask;
                async Task M(Task? pending, bool wait)
                {
                    pending = {|SG1005:FooAsync()|};
                    if (wait)
                    {
                        await pending;
                    }
                }
            }
            """ },
        { "lambda parameter of type Task assigned a task", """
            class C
            {
                Task FooAsync() => Task.CompletedTask;
                void M(List<Task> tasks) { tasks.ForEach(t => { t = {|SG1005:FooAsync()|}; }); }
            }
            """ },

        // Shape F: an entry of this compilation that holds its task in a field or auto-property still carries it.
        { "class entry with a Task field taken, only its token source used", """
            sealed class Running
            {
                public readonly CancellationTokenSource Cts = new();
                public Task Work = Task.CompletedTask;
            }
            class C
            {
                private readonly ConcurrentDictionary<string, Running> _running = new();
                void Stop(string sessionId)
                {
                    if ({|SG1001:_running.TryRemove(sessionId, out var running)|})
                    {
                        running.Cts.Cancel();
                    }
                }
            }
            """ },
        { "struct entry with a Task auto-property taken, only its token source used", """
            readonly struct Running
            {
                public CancellationTokenSource Cts { get; init; }
                public Task Work { get; init; }
            }
            class C
            {
                private readonly Dictionary<string, Running> _running = new();
                void Stop(string sessionId)
                {
                    if ({|SG1001:_running.Remove(sessionId, out var running)|})
                    {
                        running.Cts.Cancel();
                    }
                }
            }
            """ },

        // Shape A: only the same task coming back is already handed over; a new task is still dropped.
        { "ContinueWith on a dropped task is a different task", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { {|SG1005:SendAsync().ContinueWith(_ => Console.WriteLine("sent"))|}; }
            }
            """ },
        { "own helper that returns the continuation, not the task", """
            static class TaskHelpers
            {
                public static Task LogCompletion(this Task task) => task.ContinueWith(_ => Console.WriteLine("done"));
            }
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { {|SG1005:SendAsync().LogCompletion()|}; _ = {|SG1005:SendAsync().LogCompletion()|}; }
            }
            """ },
        { "own helper that returns its task on one path only", """
            static class TaskHelpers
            {
                public static Task OrDelay(this Task task, bool keep)
                {
                    if (keep)
                    {
                        return task;
                    }

                    return Task.Delay(10);
                }
            }
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { {|SG1005:SendAsync().OrDelay(false)|}; }
            }
            """ },
        { "async helper returns a new task", """
            static class TaskHelpers
            {
                public static async Task Logged(this Task task) { await task; Console.WriteLine("done"); }
            }
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { {|SG1005:SendAsync().Logged()|}; }
            }
            """ },
        { "observer name not taking the task as this", """
            static class Observer
            {
                public static Task ObserveErrors(Task task) => task.ContinueWith(t => Console.WriteLine(t.Status));
            }
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { {|SG1005:Observer.ObserveErrors(SendAsync())|}; }
            }
            """ },

        // Shape D: a callee that keeps its task only counts when its type joins the task at teardown.
        { "callee stores the task but its type never joins it", """
            class Worker
            {
                private Task _loop = Task.CompletedTask;
                public Task StartLoopAsync() { _loop = RunAsync(); return _loop; }
                public Task StartOtherAsync() { _loop = RunAsync(); return RunAsync(); }
                async Task RunAsync() { await File.WriteAllTextAsync("loop.txt", "tick"); }
                public void Dispose() { Console.WriteLine("disposed"); }
            }
            class C
            {
                void M(Worker w) { _ = {|SG1005:w.StartLoopAsync()|}; {|SG1001:w.StartOtherAsync()|}; }
            }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        // Shape E: await Task.WhenAny(...) hands back one of the given tasks, however the await is configured.
        { "await Task.WhenAny(...).ConfigureAwait(false)", """
            class C
            {
                async Task M(Task work, CancellationToken ct)
                {
                    await Task.WhenAny(work, Task.Delay(1000, ct)).ConfigureAwait(false);
                }
            }
            """ },
        { "await Task.WhenAny(...).ConfigureAwait(ConfigureAwaitOptions)", """
            class C
            {
                async Task M(Task work, CancellationToken ct)
                {
                    await Task.WhenAny(work, Task.Delay(1000, ct)).ConfigureAwait(ConfigureAwaitOptions.None);
                }
            }
            """ },
        { "await Task.WhenAny(...).WaitAsync(...)", """
            class C
            {
                async Task M(Task work, CancellationToken ct)
                {
                    await Task.WhenAny(work, Task.Delay(1000)).WaitAsync(ct);
                    await Task.WhenAny(work, Task.Delay(1000)).WaitAsync(ct).ConfigureAwait(false);
                }
            }
            """ },
        { "WhenAny winner kept through ConfigureAwait(false)", """
            class C
            {
                Task<string> ReadAsync() => Task.FromResult("x");
                async Task<string?> M()
                {
                    var read = ReadAsync();
                    var winner = await Task.WhenAny(read, Task.Delay(5000)).ConfigureAwait(false);
                    if (winner != read)
                    {
                        return null;
                    }

                    return await read.ConfigureAwait(false);
                }
            }
            """ },
        { "WhenAny of generic tasks with ConfigureAwait(false)", """
            class C
            {
                async Task M(Task<int> a, Task<int> b)
                {
                    await Task.WhenAny(a, b).ConfigureAwait(false);
                }
            }
            """ },

        // The parameter miss: only by-value parameters of the running body count as its own.
        { "parameter assigned a task and awaited", """
            class C
            {
                Task FooAsync() => Task.CompletedTask;
                async Task M(Task p) { p = FooAsync(); await p; }
            }
            """ },
        { "ref and out parameters hand the task to the caller", """
            class C
            {
                Task FooAsync() => Task.CompletedTask;
                void M(ref Task r, out Task o) { r = FooAsync(); o = FooAsync(); }
            }
            """ },
        { "primary constructor parameter lives with the instance", """
            class C(Task loop)
            {
                Task FooAsync() => Task.CompletedTask;
                void Start() { loop = FooAsync(); }
                Task Stop() => loop;
            }
            """ },
        { "parameter assigned a task and handed on", """
            class C
            {
                Task FooAsync() => Task.CompletedTask;
                void Track(Task t) { }
                void M(Task p) { p = FooAsync(); Track(p); }
            }
            """ },

        // Shape F: a lifetime task the type computes is not work handed over with the value.
        { "channel reader taken out of a dictionary", """
            class C
            {
                private readonly ConcurrentDictionary<string, ChannelReader<int>> _readers = new();
                void Drop(string id)
                {
                    if (_readers.TryRemove(id, out var reader))
                    {
                        Console.WriteLine(reader.Count);
                    }
                }
            }
            """ },
        { "own type with a computed Completion property", """
            sealed class Mailbox
            {
                private readonly TaskCompletionSource _done = new();
                public string Name { get; init; } = "";
                public Task Completion => _done.Task;
            }
            class C
            {
                private readonly Dictionary<string, Mailbox> _boxes = new();
                void Drop(string id)
                {
                    if (_boxes.Remove(id, out var box))
                    {
                        Console.WriteLine(box.Name);
                    }
                }
            }
            """ },
        { "own type whose task is a private field", """
            sealed class Pump
            {
                private readonly Task _loop = Task.CompletedTask;
                public string Name { get; init; } = "";
            }
            class C
            {
                private readonly Dictionary<string, Pump> _pumps = new();
                void Drop(string id)
                {
                    if (_pumps.Remove(id, out var pump))
                    {
                        Console.WriteLine(pump.Name);
                    }
                }
            }
            """ },

        // Shape A: an observer helper that returns the task it was given.
        { "own ObserveErrors-like helper returning its task", """
            static class TaskHelpers
            {
                public static Task LogFaults(this Task task, ILogger logger)
                {
                    task.GetAwaiter().OnCompleted(() =>
                    {
                        if (task.IsFaulted)
                        {
                            logger.LogError(task.Exception, "failed");
                        }
                    });
                    return task;
                }

                public static Task<T> LogFaults<T>(this Task<T> task, ILogger logger) => task;
            }
            class C
            {
                private readonly Task _loop = Task.CompletedTask;
                Task SendAsync() => Task.CompletedTask;
                Task<int> CountAsync() => Task.FromResult(1);
                void M(ILogger logger)
                {
                    SendAsync().LogFaults(logger);
                    _ = SendAsync().LogFaults(logger);
                    _ = _loop.LogFaults(logger);
                    CountAsync().LogFaults(logger);
                    var t = SendAsync().LogFaults(logger);
                }
            }
            """ },
        { "_ = task.ObserveErrors() of an own helper that returns its task", """
            static class TaskHelpers
            {
                public static Task ObserveErrors(this Task task)
                {
                    task.GetAwaiter().OnCompleted(() => _ = task.Exception);
                    return task;
                }
            }
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M(Task task) { _ = task.ObserveErrors(); _ = SendAsync().ObserveErrors(); }
            }
            """ },
        { "own static observer, not an extension, that returns its task", """
            static class Observer
            {
                public static Task ObserveErrors(Task task)
                {
                    task.GetAwaiter().OnCompleted(() => _ = task.Exception);
                    return task;
                }
            }
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { Observer.ObserveErrors(SendAsync()); _ = Observer.ObserveErrors(SendAsync()); }
            }
            """ },
        { "helper returning its task from a local function and a lambda inside", """
            static class TaskHelpers
            {
                public static Task Track(Task task)
                {
                    Func<Task> later = () => Task.Delay(1);
                    return (task);
                    Task Other() => Task.CompletedTask;
                }
            }
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { TaskHelpers.Track(SendAsync()); }
            }
            """ },
        { "conventional observer names on a task, in any namespace", """
            namespace Some.Library
            {
                public static class Fire
                {
                    public static Task Forget(this Task task) => task.ContinueWith(_ => { }, TaskContinuationOptions.OnlyOnFaulted);
                    public static Task FireAndForget(this Task task) => task.ContinueWith(_ => { }, TaskContinuationOptions.OnlyOnFaulted);
                    public static ValueTask SafeFireAndForget(this ValueTask task) => default;
                    public static Task ObserveErrors(this Task task) => task.ContinueWith(_ => { }, TaskContinuationOptions.OnlyOnFaulted);
                }
            }
            namespace App
            {
                using Some.Library;
                class C
                {
                    Task SendAsync() => Task.CompletedTask;
                    ValueTask WriteAsync() => default;
                    void M()
                    {
                        SendAsync().Forget();
                        _ = SendAsync().FireAndForget();
                        WriteAsync().SafeFireAndForget();
                        _ = SendAsync().ObserveErrors();
                    }
                }
            }
            """ },

        // Shape D: a callee that keeps the task it returns in a field its type awaits on dispose.
        { "callee keeps the task it returns and awaits it on dispose", """
            sealed class Worker : IAsyncDisposable
            {
                private readonly CancellationTokenSource _cts = new();
                private Task? _loop;
                public Task StartLoopAsync() { _loop = RunAsync(_cts.Token); return _loop; }
                public Task EnsureStartedAsync() => _loop ??= RunAsync(_cts.Token);
                async Task RunAsync(CancellationToken ct) { await Task.Delay(1, ct); }
                public async ValueTask DisposeAsync()
                {
                    _cts.Cancel();
                    if (_loop is not null)
                    {
                        try { await _loop; } catch (OperationCanceledException) { }
                    }
                }
            }
            class C
            {
                void M(Worker w) { _ = w.StartLoopAsync(); w.EnsureStartedAsync(); }
            }
            """ },
    };
}
