namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001 and continuations (issue 17, shape B): a dropped <c>ContinueWith</c> that reads the antecedent's fault, copies
/// its outcome into a <c>TaskCompletionSource</c> or is wholly a catch-all is the observer; one that runs on the fault but
/// never reads it leaves the antecedent's fault unobserved, and that is reported on the antecedent.
/// </summary>
public class FireAndForgetContinuationTests : AnalyzerCaseTests<FireAndForgetAnalyzer>
{
    public static TheoryData<string, string> Positive => new()
    {
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
                void M() { {|SG1005:SendAsync().ContinueWith(_ => { try { Console.WriteLine("sent"); } catch { } })|}; }
            }
            """ },
        { "async continuation reading Exception: its inner task can still fail", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M()
                {
                    {|SG1005:await SendAsync().ContinueWith(async t => { Console.WriteLine(t.Exception); await Task.Delay(1); })|};
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
    };

    public static TheoryData<string, string> Negative => new()
    {
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
    };
}
