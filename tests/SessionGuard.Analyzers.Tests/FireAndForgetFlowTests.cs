using System.Threading.Tasks;

namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001's flow analysis on the shapes it misread in the repository's own code: a task reassigned before a
/// <c>continue</c> and awaited at the top of the loop, a task assigned in a <c>try</c> whose <c>catch</c> never assigned it,
/// a local declared inside a loop (a fresh variable each iteration, never overwritten). Each has its kept case.
/// </summary>
public class FireAndForgetFlowTests : AnalyzerCaseTests<FireAndForgetAnalyzer>
{
    public static TheoryData<string, string> Positive => new()
    {
        { "a task reassigned before continue and overwritten at the top of the loop", """
            class C
            {
                async Task Run(Func<Task<int>> start, Func<bool> again)
                {
                    Task<int> pending = start();
                    await pending;
                    while (again())
                    {
                        if (again())
                        {
                            pending = {|SG1001:start()|};
                            continue;
                        }

                        pending = start();
                        await pending;
                    }
                }
            }
            """ },
        { "a task reassigned before continue and dropped when the loop ends", """
            class C
            {
                async Task Run(Func<Task<int>> start, Func<bool> again)
                {
                    Task<int> pending = {|SG1001:start()|};
                    while (again())
                    {
                        await pending;
                        pending = {|SG1001:start()|};
                        continue;
                    }
                }
            }
            """ },
        { "a task assigned in a try and dropped after the catch", """
            class C
            {
                int Run(Func<ValueTask<int>> release)
                {
                    ValueTask<int> pending = default;
                    try
                    {
                        pending = {|SG1001:release()|};
                    }
                    catch (Exception)
                    {
                        return -1;
                    }

                    return 0;
                }
            }
            """ },
        { "a local declared in a loop and dropped in each iteration", """
            class C
            {
                void Run(Func<int, Task> say, int turns)
                {
                    for (int turn = 0; turn < turns; turn++)
                    {
                        var translation = {|SG1001:say(turn)|};
                        Console.WriteLine(turn);
                    }
                }
            }
            """ },
        { "a task assigned before the try's last statement, dropped when the catch ran", """
            class C
            {
                async Task<int> Run(Func<ValueTask<int>> release, Action after)
                {
                    ValueTask<int> pending = default;
                    Exception? failure = null;
                    try
                    {
                        pending = {|SG1001:release()|};
                        after();
                    }
                    catch (Exception ex)
                    {
                        failure = ex;
                    }

                    if (failure is not null)
                    {
                        return -1;
                    }

                    return await pending;
                }
            }
            """ },
        { "a caught-failure local also written outside the catch", """
            class C
            {
                async Task<int> Run(Func<ValueTask<int>> release, bool stop)
                {
                    ValueTask<int> pending = default;
                    Exception? failure = null;
                    try
                    {
                        pending = {|SG1001:release()|};
                    }
                    catch (Exception ex)
                    {
                        failure = ex;
                    }

                    if (stop)
                    {
                        failure = new InvalidOperationException("stopped");
                    }

                    if (failure is not null)
                    {
                        return -1;
                    }

                    return await pending;
                }
            }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        { "a task assigned in a try, awaited by a null-coalescing assignment of the caught-failure local", """
            class C
            {
                async Task<Exception?> Complete(ValueTask pending) { try { await pending; return null; } catch (Exception e) { return e; } }

                async Task<bool> Run(Func<ValueTask> release)
                {
                    ValueTask pending = default;
                    Exception? failure = null;
                    try
                    {
                        pending = release();
                    }
                    catch (Exception ex)
                    {
                        failure = ex;
                    }

                    failure ??= await Complete(pending);
                    return failure is null;
                }
            }
            """ },
        { "a task assigned in a try, the caught-failure local reused by a later catch once the task was awaited", """
            class C
            {
                async Task<bool> Run(Func<ValueTask<int>> release, Func<bool> watched)
                {
                    ValueTask<int> pending = default;
                    Exception? failure = null;
                    try
                    {
                        pending = release();
                    }
                    catch (Exception ex)
                    {
                        failure = ex;
                    }

                    if (!watched())
                    {
                        _ = pending.AsTask().ContinueWith(t => t.Exception, TaskScheduler.Default);
                        return false;
                    }

                    if (failure is null)
                    {
                        try
                        {
                            await pending;
                        }
                        catch (Exception ex)
                        {
                            failure = ex;
                        }
                    }

                    if (failure is TimeoutException)
                    {
                        return true;
                    }

                    Console.WriteLine(failure?.Message);
                    return true;
                }
            }
            """ },
        { "a task reassigned before continue and awaited at the top of the loop", """
            class C
            {
                async Task<int> Run(Task<int> pending, Func<Task<int>> start, Func<bool> again, CancellationToken token)
                {
                    while (true)
                    {
                        int value = await pending.WaitAsync(token).ConfigureAwait(false);
                        if (again())
                        {
                            pending = start();
                            continue;
                        }

                        return value;
                    }
                }
            }
            """ },
        { "a task assigned in a try, awaited after it, never assigned on the catch path", """
            class C
            {
                async Task<int> Run(Func<ValueTask<int>> release)
                {
                    ValueTask<int> pending = default;
                    Exception? failure = null;
                    try
                    {
                        pending = release();
                    }
                    catch (Exception ex)
                    {
                        failure = ex;
                    }

                    if (failure is not null)
                    {
                        return -1;
                    }

                    return await pending;
                }
            }
            """ },
        { "a local declared in a loop, awaited in the same iteration when asked to", """
            class C
            {
                async Task Run(Func<int, Task> say, int turns, bool complete)
                {
                    for (int turn = 0; turn < turns; turn++)
                    {
                        var translation = say(turn);
                        if (complete)
                        {
                            await translation;
                        }
                        else
                        {
                            await translation.WaitAsync(TimeSpan.FromSeconds(1));
                        }
                    }
                }
            }
            """ },
    };

    [Fact]
    public Task A_local_declared_in_a_loop_is_never_observed_not_overwritten() =>
        Verify.Analyzer<FireAndForgetAnalyzer>(Sources.Wrap("""
            class C
            {
                void Run(Func<int, Task> say, int turns)
                {
                    for (int turn = 0; turn < turns; turn++)
                    {
                        var translation = {|#0:say(turn)|};
                    }
                }
            }
            """),
            Verify.Diagnostic("SG1001").WithLocation(0).WithArguments(
                "say", "stored in 'translation' and never observed", "the delegate 'say', code the analyzer cannot see, in 'C.Run' (Test0.cs:18)"));
}
