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
                    {|SG1001:await Task.Factory.StartNew(async () => await Task.Delay(10)).ConfigureAwait(false)|};
                }
            }
            """ },
        { "await StartNew(async ...).WaitAsync(ct) still awaits only the outer task", """
            class C
            {
                async Task M(CancellationToken ct)
                {
                    {|SG1001:await Task.Factory.StartNew(async () => await Task.Delay(10)).WaitAsync(ct)|};
                }
            }
            """ },
        { "Task.WhenAny(...).ConfigureAwait(false) not awaited", """
            class C
            {
                void M(Task a, Task b) { {|SG1001:Task.WhenAny(a, b).ConfigureAwait(false)|}; }
            }
            """ },

        // The parameter miss: a task stored into a by-value parameter is as lost as one stored into a local.
        { "lone _ lambda parameter assigned a task", """
            class C
            {
                Task ProcessAsync() => Task.CompletedTask;
                void M(ExecutionContext ctx) { ExecutionContext.Run(ctx, _ => _ = {|SG1001:ProcessAsync()|}, null); }
            }
            """ },
        { "real discards in a two-parameter lambda", """
            class C
            {
                Task ProcessAsync() => Task.CompletedTask;
                void M(List<int> items) { items.Sort((_, _) => { _ = {|SG1001:ProcessAsync()|}; return 0; }); }
            }
            """ },
        { "_ method parameter of type object assigned a task", """
            class C
            {
                Task ProcessAsync() => Task.CompletedTask;
                void M(object _) { _ = {|SG1001:ProcessAsync()|}; }
            }
            """ },
        { "method parameter overwritten with a task nobody awaits", """
            class C
            {
                Task FooAsync() => Task.CompletedTask;
                void M(Task p) { p = {|SG1001:FooAsync()|}; Console.WriteLine("started"); }
            }
            """ },
        { "parameter assigned a task awaited on only one path", """
            class C
            {
                Task FooAsync() => Task.CompletedTask;
                async Task M(Task? pending, bool wait)
                {
                    pending = {|SG1001:FooAsync()|};
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
                void M(List<Task> tasks) { tasks.ForEach(t => { t = {|SG1001:FooAsync()|}; }); }
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
                void M() { {|SG1001:SendAsync().ContinueWith(_ => Console.WriteLine("sent"))|}; }
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
                void M() { {|SG1001:SendAsync().LogCompletion()|}; _ = {|SG1001:SendAsync().LogCompletion()|}; }
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
                void M() { {|SG1001:SendAsync().OrDelay(false)|}; }
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
                void M() { {|SG1001:SendAsync().Logged()|}; }
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
                void M() { {|SG1001:Observer.ObserveErrors(SendAsync())|}; }
            }
            """ },

        // Shape B: a continuation that runs on the fault but never reads it leaves the antecedent's fault unobserved.
        { "OnlyOnFaulted continuation that never reads Exception, reported on the antecedent", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M()
                {
                    {|SG1001:SendAsync()|}.ContinueWith(_ => Console.WriteLine("failed"), TaskContinuationOptions.OnlyOnFaulted);
                    _ = {|SG1001:SendAsync()|}.ContinueWith(t => Console.WriteLine(t.Status), TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                }
            }
            """ },
        { "OnlyOnFaulted catch-all continuation that never reads Exception", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M()
                {
                    {|SG1001:SendAsync()|}.ContinueWith(t => { try { Console.WriteLine(t.Status); } catch (Exception) { } }, TaskContinuationOptions.OnlyOnFaulted);
                }
            }
            """ },
        { "continuation with a catch-all body that never touches the antecedent", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { {|SG1001:SendAsync().ContinueWith(_ => { try { Console.WriteLine("sent"); } catch { } })|}; }
            }
            """ },
        { "async continuation reading Exception: its inner task can still fail", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M()
                {
                    {|SG1001:await SendAsync().ContinueWith(async t => { Console.WriteLine(t.Exception); await Task.Delay(1); })|};
                }
            }
            """ },
        { "continuation whose catch rethrows", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { {|SG1001:SendAsync().ContinueWith(t => { try { t.Wait(); } catch (Exception) { throw; } })|}; }
            }
            """ },

        // Shape C: detached work whose guard does not hold keeps being reported.
        { "catch that awaits something that can fail", """
            class C
            {
                Task WorkAsync() => Task.CompletedTask;
                Task ReportAsync(Exception ex) => Task.CompletedTask;
                void M()
                {
                    _ = {|SG1001:Task.Run(async () => { try { await WorkAsync(); } catch (Exception ex) { await ReportAsync(ex); } })|};
                }
            }
            """ },
        { "while (true) with no way to end", """
            class C
            {
                Task WorkAsync() => Task.CompletedTask;
                void M(ILogger logger)
                {
                    _ = {|SG1001:Task.Run(async () =>
                    {
                        while (true)
                        {
                            try { await WorkAsync(); }
                            catch (Exception ex) { logger.LogError(ex, "failed"); }
                        }
                    })|};
                    _ = {|SG1001:Task.Run(async () =>
                    {
                        try
                        {
                            while (true) { await WorkAsync(); }
                        }
                        catch (Exception ex) { logger.LogError(ex, "failed"); }
                    })|};
                }
            }
            """ },
        { "callee whose catch rethrows, catches one type only, or is not async", """
            class C
            {
                Task WorkAsync() => Task.CompletedTask;
                async Task RethrowAsync() { try { await WorkAsync(); } catch (Exception) { Console.WriteLine("x"); throw; } }
                async Task NarrowAsync() { try { await WorkAsync(); } catch (System.IO.IOException) { } }
                Task NotAsync() { try { return WorkAsync(); } catch (Exception) { return Task.CompletedTask; } }
                async Task MoreAsync() { Console.WriteLine("start"); try { await WorkAsync(); } catch (Exception) { } }
                void M()
                {
                    _ = {|SG1001:RethrowAsync()|};
                    _ = {|SG1001:NarrowAsync()|};
                    _ = {|SG1001:NotAsync()|};
                    _ = {|SG1001:MoreAsync()|};
                    _ = {|SG1001:Task.Run(() => WorkAsync())|};
                }
            }
            """ },
        { "callee whose guarded try follows a declaration or a statement that can throw", """
            class Buffer
            {
                public static implicit operator Buffer(int size) => throw new InvalidOperationException();
            }
            class C
            {
                Task WorkAsync() => Task.CompletedTask;
                byte[] Rent() => new byte[16];
                async Task RentsFirstAsync() { var buffer = Rent(); try { await WorkAsync(); } catch (Exception) { } }
                async Task ConvertsFirstAsync() { Buffer buffer = 16; try { await WorkAsync(); } catch (Exception) { } }
                async Task DisposesFirstAsync(IAsyncDisposable d) { await using var x = d; try { await WorkAsync(); } catch (Exception) { } }
                async Task WorksAfterAsync() { Exception? error = null; try { await WorkAsync(); } catch (Exception ex) { error = ex; } await WorkAsync(); }
                async Task OnlyDeclaresAsync() { Exception? error = null; await WorkAsync(); }
                void M()
                {
                    _ = {|SG1001:RentsFirstAsync()|};
                    _ = {|SG1001:ConvertsFirstAsync()|};
                    _ = {|SG1001:WorksAfterAsync()|};
                    _ = {|SG1001:OnlyDeclaresAsync()|};
                    _ = {|SG1001:Task.Run(async () => { int count = 0; try { await WorkAsync(); count++; } catch (Exception) { } await WorkAsync(); })|};
                }
                void N(IAsyncDisposable d) { _ = {|SG1001:DisposesFirstAsync(d)|}; }
                async Task GuardedAsync() { try { await WorkAsync(); } catch (Exception) { } }
                void O() { _ = {|SG1001:GuardedAsync().WaitAsync(TimeSpan.FromSeconds(1))|}; }
            }
            """ },
        { "continuation given as a method, or a cached delegate to one, that never reads the fault", """
            static class Observation
            {
                private static readonly Action<Task> count = Count;
                private static Action<Task> mutable = Observe;
                private static void Count(Task task) => Console.WriteLine(task.Status);
                private static void Observe(Task task) => GC.KeepAlive(task.Exception);
                private static void Observe(Task task, object? state) => Console.WriteLine(state);

                public static Task Counted(this Task task)
                {
                    {|SG1001:task.ContinueWith(count, TaskContinuationOptions.OnlyOnFaulted)|};
                    {|SG1001:task.ContinueWith(Count, TaskContinuationOptions.OnlyOnFaulted)|};
                    {|SG1001:task.ContinueWith(mutable, TaskContinuationOptions.OnlyOnFaulted)|};
                    {|SG1001:task.ContinueWith(Observe, null, TaskContinuationOptions.OnlyOnFaulted)|};
                    return task;
                }
            }
            """ },
        { "continuation given as a cached delegate to a lambda that never reads the fault", """
            static class Links
            {
                private static readonly Action<Task, object?> close = (t, s) => ((IDisposable)s!).Dispose();
                private static readonly Action<Task, object?> status = (t, s) => Console.WriteLine(t.Status);

                public static void Close(Task task, IDisposable resource)
                {
                    {|SG1001:task.ContinueWith(close, resource, TaskContinuationOptions.ExecuteSynchronously)|};
                    {|SG1001:task.ContinueWith(status, null, TaskContinuationOptions.OnlyOnFaulted)|};
                }
            }
            """ },
        { "callee that sets a property with setter code, a virtual one, or a computed value outside its try", """
            class C
            {
                private bool _running;
                public bool Running { get => _running; set { _running = value; Console.WriteLine(value); } }
                public virtual bool Busy { get; set; }
                public bool Started { get; private set; }
                Task WorkAsync() => Task.CompletedTask;
                bool Compute() => bool.Parse(Environment.GetEnvironmentVariable("STARTED") ?? "false");
                async Task SetterAsync() { Running = true; try { await WorkAsync(); } catch (Exception) { } }
                async Task VirtualAsync() { Busy = true; try { await WorkAsync(); } catch (Exception) { } }
                async Task ComputedAsync() { Started = Compute(); try { await WorkAsync(); } catch (Exception) { } }
                void M()
                {
                    _ = {|SG1001:SetterAsync()|};
                    _ = {|SG1001:VirtualAsync()|};
                    _ = {|SG1001:ComputedAsync()|};
                }
            }
            """ },
        // Shape D: a callee that keeps its task only counts when its type joins the task at teardown.
        { "callee stores the task but its type never joins it", """
            class Worker
            {
                private Task _loop = Task.CompletedTask;
                public Task StartLoopAsync() { _loop = RunAsync(); return _loop; }
                public Task StartOtherAsync() { _loop = RunAsync(); return RunAsync(); }
                async Task RunAsync() { await Task.Delay(1); }
                public void Dispose() { Console.WriteLine("disposed"); }
            }
            class C
            {
                void M(Worker w) { _ = {|SG1001:w.StartLoopAsync()|}; {|SG1001:w.StartOtherAsync()|}; }
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

        // Shape B: a dropped continuation that is the observer of its antecedent.
        { "continuations that read the antecedent's Exception", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M(ILogger logger, Task task)
                {
                    SendAsync().ContinueWith(t => logger.LogError(t.Exception, "send failed"), TaskContinuationOptions.OnlyOnFaulted);
                    _ = SendAsync().ContinueWith(t => { if (t.IsFaulted) { logger.LogError(t.Exception, "send failed"); } });
                    task.ContinueWith(c => _ = task.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                }
            }
            """ },
        { "continuations that copy the outcome into a TaskCompletionSource", """
            class C
            {
                Task<int> CountAsync() => Task.FromResult(1);
                Task<int> Relay()
                {
                    var tcs = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
                    CountAsync().ContinueWith(t =>
                    {
                        if (t.IsCanceled) tcs.TrySetCanceled();
                        else if (t.IsFaulted) tcs.TrySetException(t.Exception!.InnerExceptions);
                        else tcs.TrySetResult(t.Result);
                    }, TaskScheduler.Default);
                    var plain = new TaskCompletionSource();
                    _ = CountAsync().ContinueWith(t => plain.SetResult(), TaskContinuationOptions.OnlyOnRanToCompletion);
                    return tcs.Task;
                }
            }
            """ },
        { "continuation whose body is a catch-all around the antecedent", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M(ILogger logger)
                {
                    SendAsync().ContinueWith(t =>
                    {
                        try
                        {
                            t.GetAwaiter().GetResult();
                        }
                        catch (Exception ex)
                        {
                            logger.LogError(ex, "send failed");
                        }
                    });
                }
            }
            """ },
        { "own observer helper built on ContinueWith", """
            static class TaskHelpers
            {
                public static Task LogFaults(this Task task, ILogger logger)
                {
                    task.ContinueWith(t => logger.LogError(t.Exception, "failed"), TaskContinuationOptions.OnlyOnFaulted);
                    return task;
                }
            }
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M(ILogger logger) { _ = SendAsync().LogFaults(logger); }
            }
            """ },

        { "continuation given as a method, or a cached delegate to one, that reads the fault", """
            static class Observation
            {
                private static readonly Action<Task> observeErrors = ObserveErrors;
                private static readonly Action<Task> logged = new Action<Task>(Log);
                private static void ObserveErrors(Task task)
                {
                    if (task != null) GC.KeepAlive(task.Exception);
                }
                private static void Log(Task t) => Console.WriteLine(t.Exception);

                public static Task Observed(this Task task)
                {
                    task.ContinueWith(observeErrors, TaskContinuationOptions.OnlyOnFaulted);
                    task.ContinueWith(logged, TaskContinuationOptions.OnlyOnFaulted);
                    task.ContinueWith(ObserveErrors, TaskContinuationOptions.OnlyOnFaulted);
                    return task;
                }

                public static Task<T> Observed<T>(this Task<T> task)
                {
                    task.ContinueWith(observeErrors, TaskContinuationOptions.OnlyOnFaulted);
                    return task;
                }
            }
            """ },
        { "continuation given as a cached delegate to a lambda that copies the outcome into a promise", """
            static class Links
            {
                private static readonly Action<Task, object?> link = (t, s) =>
                {
                    var promise = (TaskCompletionSource)s!;
                    switch (t.Status)
                    {
                        case TaskStatus.RanToCompletion: promise.TrySetResult(); break;
                        case TaskStatus.Canceled: promise.TrySetCanceled(); break;
                        default: promise.TrySetException(t.Exception!.InnerExceptions); break;
                    }
                };

                private static class Host<T>
                {
                    public static readonly Action<Task<T>, object?> Action = (t, s) => ((TaskCompletionSource<T>)s!).TrySetException(t.Exception!);
                }

                public static void Link(Task task, TaskCompletionSource promise) =>
                    task.ContinueWith(link, promise, TaskContinuationOptions.ExecuteSynchronously);

                public static void Link<T>(Task<T> task, TaskCompletionSource<T> promise)
                {
                    task.ContinueWith(Host<T>.Action, promise, TaskContinuationOptions.OnlyOnFaulted);
                }
            }
            """ },
        // Shape C: detached work that observes itself (a hand-written Forget(logger)).
        { "guarded callee that sets a flag field or auto-property to a constant around its try", """
            class Base
            {
                protected string? LastError;
            }
            class C : Base
            {
                private readonly ILogger _logger;
                private int _passes;
                C(ILogger logger) { _logger = logger; }
                public bool SenderRunning { get; private set; }
                Task SendAsync() => Task.CompletedTask;

                private async Task SendFromQueue()
                {
                    SenderRunning = true;
                    this._passes = 0;
                    LastError = null;
                    try
                    {
                        await SendAsync();
                    }
                    catch (Exception ex)
                    {
                        _logger.LogError(ex, "sending failed");
                    }
                    SenderRunning = false;
                }

                void M()
                {
                    _ = Task.Factory.StartNew(_ => SendFromQueue(), TaskCreationOptions.LongRunning, CancellationToken.None);
                    _ = Task.Run(async () =>
                    {
                        SenderRunning = true;
                        try { await SendAsync(); }
                        catch (Exception ex) { _logger.LogError(ex, "sending failed"); }
                    });
                }
            }
            """ },
        { "guarded callee that first declares locals that cannot throw, or is a sequence of guarded tries", """
            class C
            {
                private readonly ILogger _logger;
                C(ILogger logger) { _logger = logger; }
                Task WorkAsync() => Task.CompletedTask;
                Task<System.IO.Stream> OpenAsync() => Task.FromResult<System.IO.Stream>(System.IO.Stream.Null);

                async Task HandleAsync()
                {
                    System.IO.Stream? stream = null;
                    Exception? error = null;
                    bool taken = false, done = default;
                    const int chunk = 1024 * 4;
                    try
                    {
                        stream = await OpenAsync();
                        await WorkAsync();
                        taken = done = chunk > 0;
                    }
                    catch (Exception ex)
                    {
                        error = ex;
                        _logger.LogError(ex, "handle failed");
                    }
                }

                async ValueTask CloseAsync(IAsyncDisposable component)
                {
                    try { _logger.LogDebug("closing"); }
                    catch { }

                    try { await component.DisposeAsync(); }
                    catch (Exception ex) { _logger.LogError(ex, "close failed"); }
                }

                void M(IAsyncDisposable component)
                {
                    _ = HandleAsync();
                    _ = Task.Factory.StartNew(() => HandleAsync(), CancellationToken.None, TaskCreationOptions.PreferFairness, TaskScheduler.Default).ConfigureAwait(false);
                    _ = Task.Run(() => CloseAsync(component));
                    _ = Task.Run(async () =>
                    {
                        var attempts = 0;
                        try { await WorkAsync(); attempts++; }
                        catch (Exception ex) { _logger.LogError(ex, "attempt {Attempts} failed", attempts); }
                    });
                }
            }
            """ },
        { "Task.Run of a lambda that is wholly try/catch (Exception)", """
            class C
            {
                Task WorkAsync() => Task.CompletedTask;
                void M(ILogger logger, TaskCompletionSource tcs)
                {
                    _ = Task.Run(async () =>
                    {
                        try { await WorkAsync(); }
                        catch (Exception ex) { logger.LogError(ex, "work failed"); }
                    });
                    _ = Task.Run(async () =>
                    {
                        try { await WorkAsync(); tcs.TrySetResult(); }
                        catch (Exception ex) { tcs.TrySetException(ex); }
                    });
                    Task.Run(() => { try { Console.WriteLine("x"); } catch { } });
                }
            }
            """ },
        { "discarded call of an own method or local function that observes itself", """
            class C
            {
                private readonly ILogger _logger;
                C(ILogger logger) { _logger = logger; }
                Task WorkAsync(CancellationToken ct) => Task.CompletedTask;

                async Task PumpAsync(CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        try
                        {
                            await WorkAsync(ct);
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                        catch (Exception ex)
                        {
                            _logger.LogError(ex, "pump failed");
                        }
                    }
                }

                async Task DrainAsync(ChannelReader<int> reader)
                {
                    try
                    {
                        await foreach (var item in reader.ReadAllAsync())
                        {
                            await WorkAsync(default);
                        }
                    }
                    catch (Exception ex)
                    {
                        _logger.LogError(ex, "drain failed");
                    }
                }

                async Task TickAsync(CancellationToken ct)
                {
                    while (true)
                    {
                        try
                        {
                            await Task.Delay(1000, ct);
                        }
                        catch (OperationCanceledException)
                        {
                            return;
                        }
                        catch (Exception ex)
                        {
                            _logger.LogError(ex, "tick failed");
                        }
                    }
                }

                void Pump()
                {
                    try { Console.WriteLine("pump"); }
                    catch (Exception ex) { _logger.LogError(ex, "pump failed"); }
                }

                void Start(ChannelReader<int> reader, CancellationToken ct)
                {
                    _ = PumpAsync(ct);
                    _ = DrainAsync(reader);
                    _ = TickAsync(ct);
                    _ = Task.Run(() => Pump());
                    _ = Task.Run(Pump);
                    _ = Task.Run(() => PumpAsync(ct));
                    _ = Task.Run(async () => await PumpAsync(ct).ConfigureAwait(false));
                    _ = Local();
                    PumpAsync(ct);

                    async Task Local()
                    {
                        try { await WorkAsync(ct); }
                        catch (Exception ex) { _logger.LogError(ex, "local failed"); }
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
