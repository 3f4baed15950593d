namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001 and detached work that observes itself (issue 17, shape C): a hand-written <c>Forget(logger)</c>, a body that
/// is a catch-all <c>try</c>, maybe in a loop that ends; and the guards that do not hold (a catch that awaits what can
/// fail, a loop with no way to end), which stay reported.
/// </summary>
public class FireAndForgetSelfObservingTests : AnalyzerCaseTests<FireAndForgetAnalyzer>
{
    public static TheoryData<string, string> Positive => new()
    {
        // Shape C: detached work whose guard does not hold keeps being reported.
        { "catch that awaits something that can fail", """
            class C
            {
                Task WorkAsync() => Task.CompletedTask;
                Task ReportAsync(Exception ex) => Task.CompletedTask;
                void M()
                {
                    _ = {|SG1005:Task.Run(async () => { try { await WorkAsync(); } catch (Exception ex) { await ReportAsync(ex); } })|};
                }
            }
            """ },
        { "while (true) with no way to end", """
            class C
            {
                Task WorkAsync() => Task.CompletedTask;
                void M(ILogger logger)
                {
                    _ = {|SG1005:Task.Run(async () =>
                    {
                        while (true)
                        {
                            try { await WorkAsync(); }
                            catch (Exception ex) { logger.LogError(ex, "failed"); }
                        }
                    })|};
                    _ = {|SG1005:Task.Run(async () =>
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
                    _ = {|SG1005:NarrowAsync()|};
                    _ = {|SG1005:NotAsync()|};
                    _ = {|SG1005:MoreAsync()|};
                    _ = {|SG1005:Task.Run(() => WorkAsync())|};
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
                    _ = {|SG1005:RentsFirstAsync()|};
                    _ = {|SG1005:ConvertsFirstAsync()|};
                    _ = {|SG1005:WorksAfterAsync()|};
                    _ = {|SG1005:OnlyDeclaresAsync()|};
                    _ = {|SG1005:Task.Run(async () => { int count = 0; try { await WorkAsync(); count++; } catch (Exception) { } await WorkAsync(); })|};
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
                    {|SG1005:task.ContinueWith(close, resource, TaskContinuationOptions.ExecuteSynchronously)|};
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
                    _ = {|SG1005:SetterAsync()|};
                    _ = {|SG1005:VirtualAsync()|};
                    _ = {|SG1005:ComputedAsync()|};
                }
            }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
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
    };
}
