namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001 on tasks held in locals: one never observed, observed on some paths only, overwritten before it is observed,
/// made in a loop; and what observes a local (awaited later or on every path, null-checked, captured by an awaited
/// lambda, awaited in a <c>finally</c>).
/// </summary>
public class FireAndForgetLocalTests : AnalyzerCaseTests<FireAndForgetAnalyzer>
{
    public static TheoryData<string, string> Positive => new()
    {
        { "local never awaited", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { var t = {|SG1005:SendAsync()|}; Console.WriteLine("sent"); }
            }
            """ },
        { "local observed on only some paths", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M(bool wait)
                {
                    var t = {|SG1005:SendAsync()|};
                    if (wait)
                    {
                        await t;
                    }
                }
            }
            """ },
        { "local not observed on an early return", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task<int> M(CancellationToken ct)
                {
                    var t = {|SG1005:SendAsync()|};
                    if (ct.IsCancellationRequested)
                    {
                        return 0;
                    }

                    await t;
                    return 1;
                }
            }
            """ },
        { "local overwritten before it is awaited", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                async Task M()
                {
                    var t = {|SG1005:SendAsync(1)|};
                    t = SendAsync(2);
                    await t;
                }
            }
            """ },
        { "tasks created in a loop and never awaited", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                void M(int[] items)
                {
                    foreach (var i in items)
                    {
                        {|SG1005:SendAsync(i)|};
                    }
                }
            }
            """ },
        { "loop local overwritten on every iteration", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                async Task M(int[] items)
                {
                    Task last = Task.CompletedTask;
                    foreach (var i in items)
                    {
                        last = {|SG1005:SendAsync(i)|};
                    }

                    await last;
                }
            }
            """ },
        { "discarded local with an explicit discard of the local", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { var t = {|SG1005:SendAsync()|}; _ = t; }
            }
            """ },
        { "local only compared and logged as object", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M(ILogger logger)
                {
                    var t = {|SG1005:SendAsync()|};
                    if (t != null) Console.WriteLine(t);
                }
            }
            """ },
        { "local assigned in both branches, awaited in one", """
            class C
            {
                Task A() => Task.CompletedTask;
                Task B() => Task.CompletedTask;
                async Task M(bool c)
                {
                    Task t;
                    if (c) { t = A(); await t; }
                    else { t = {|SG1005:B()|}; }
                }
            }
            """ },
        { "top-level lambda local", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                Func<Task> M() => async () =>
                {
                    var t = {|SG1005:SendAsync()|};
                    await Task.Yield();
                };
            }
            """ },
        { "local task started but never observed", """
            class C
            {
                void M() { var t = {|SG1005:new Task(() => Console.WriteLine())|}; t.Start(); }
            }
            """ },
        { "outer task from a local awaited, inner dropped", """
            class C
            {
                async Task M()
                {
                    var outer = Task.Factory.StartNew(async () => await Task.Delay(10));
                    {|SG1005:await outer|};
                }
            }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        { "local awaited later", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M() { var t = SendAsync(); Console.WriteLine(); await t; }
            }
            """ },
        { "local awaited on every path", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M(bool c)
                {
                    var t = SendAsync();
                    if (c) { await t; return; }
                    t.Wait();
                }
            }
            """ },
        { "local null-checked before await", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M(bool c)
                {
                    Task? t = null;
                    if (c) t = SendAsync();
                    Console.WriteLine();
                    if (t != null) await t;
                }
            }
            """ },
        { "local null-checked with is not null", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M(bool c)
                {
                    Task? t = c ? SendAsync() : null;
                    if (t is not null)
                    {
                        await t;
                    }
                }
            }
            """ },
        { "local captured by an awaited lambda", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M()
                {
                    var t = SendAsync();
                    Func<Task> f = async () => await t;
                    await f();
                }
            }
            """ },
        { "task awaited in finally", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M()
                {
                    var t = SendAsync();
                    try { Console.WriteLine(); }
                    finally { await t; }
                }
            }
            """ },
        { "fast path checks IsCompleted then awaits", """
            class C
            {
                ValueTask<int> ReadAsync() => new(1);
                async ValueTask<int> M()
                {
                    var t = ReadAsync();
                    if (t.IsCompletedSuccessfully) return t.Result;
                    return await t;
                }
            }
            """ },
    };
}
