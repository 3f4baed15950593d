namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001 and cleanup continuations (issue 17, shape H, found on the held-out codebases): a dropped
/// <c>ContinueWith</c> that only cleans up after a task someone else holds loses nothing; one whose antecedent is
/// dropped with it, or whose cleanup can fault, still does. Also the pieces of the fault-free test it needs: a
/// continuation's cast of its state to the type it is given, <c>as</c>, a task's <c>Result</c>.
/// </summary>
public class FireAndForgetCleanupTests : AnalyzerCaseTests<FireAndForgetAnalyzer>
{
    public static TheoryData<string, string> Positive => new()
    {
        { "a cleanup continuation on a fresh task: the antecedent is dropped with it", """
            class C
            {
                CancellationTokenRegistration _registration;
                Task SendAsync() => Task.CompletedTask;
                void M() { {|SG1005:SendAsync().ContinueWith(_ => _registration.Dispose())|}; }
            }
            """ },
        { "a cleanup continuation on a local that nothing else holds", """
            class C
            {
                CancellationTokenRegistration _registration;
                Task SendAsync() => Task.CompletedTask;
                void M()
                {
                    var task = SendAsync();
                    {|SG1005:task.ContinueWith(_ => _registration.Dispose())|};
                    Console.WriteLine(task);
                }
            }
            """ },
        { "a continuation on a parameter whose cleanup can fault", """
            class C
            {
                string _path = "";
                void M(Task write) { {|SG1001:write.ContinueWith(_ => File.Delete(_path))|}; }
            }
            """ },
        { "a continuation on a field that reads the antecedent's Result", """
            class C
            {
                Task<int> _pending = Task.FromResult(1);
                int _last;
                void M() { {|SG1005:_pending.ContinueWith(t => _last = t.Result)|}; }
            }
            """ },
        { "a continuation casting its state to a type the state argument is not known to have", """
            sealed class Handler { public bool Done; }
            class C
            {
                void M(Task write, object state)
                {
                    {|SG1005:write.ContinueWith((_, s) => ((Handler)s!).Done = true, state)|};
                }
            }
            """ },
        { "a cleanup that runs only on a fault is the antecedent's fault handler, and drops the fault", """
            class C
            {
                Task _loop = Task.CompletedTask;
                CancellationTokenRegistration _registration;
                void M() { {|SG1001:_loop|}.ContinueWith(_ => _registration.Dispose(), TaskContinuationOptions.OnlyOnFaulted); }
            }
            """ },
        { "detached work that reads a task's Result outside a try", """
            class C
            {
                Task<int> _pending = Task.FromResult(1);
                int _value;
                void M() { _ = {|SG1005:Task.Run(() => { _value = _pending.Result; })|}; }
            }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        { "a registration disposed after the caller's TaskCompletionSource completes (state cast to its own type)", """
            sealed class Pending<T>(TaskCompletionSource<T> source)
            {
                public TaskCompletionSource<T> Source { get; } = source;
                public CancellationTokenRegistration Registration;
            }

            static class Tasks
            {
                public static void AttachCancellation<T>(TaskCompletionSource<T> source, CancellationToken token)
                {
                    var pending = new Pending<T>(source);
                    pending.Registration = token.Register(s => ((Pending<T>)s!).Source.TrySetCanceled(), pending);
                    source.Task.ContinueWith(
                        (_, s) =>
                        {
                            var p = (Pending<T>)s!;
                            p.Registration.Dispose();
                        },
                        pending,
                        CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                }
            }
            """ },
        { "a cached continuation field recording the write on a task the caller gave", """
            sealed class WriteTracker
            {
                static readonly Action<Task, object?> Written = (_, s) =>
                {
                    var self = (WriteTracker)s!;
                    self._writes++;
                    self._idle = false;
                };

                int _writes;
                bool _idle;

                public void Track(Task write) => write.ContinueWith(Written, this, TaskContinuationOptions.ExecuteSynchronously);
            }
            """ },
        { "a channel removed from a group when its own completion task ends", """
            sealed class Channel
            {
                public int Id { get; init; }
                public Task Completion { get; } = Task.CompletedTask;
            }

            sealed class ChannelGroup
            {
                readonly ConcurrentDictionary<int, Channel> _channels = new();

                public bool Add(Channel channel)
                {
                    bool added = _channels.TryAdd(channel.Id, channel);
                    if (added)
                    {
                        channel.Completion.ContinueWith(_ => Remove(channel));
                    }

                    return added;
                }

                public bool Remove(Channel channel) => _channels.TryRemove(channel.Id, out _);
            }
            """ },
        { "a local returned to the caller, with a continuation that records the time", """
            class C
            {
                DateTime _lastWrite;
                Task WriteAsync() => Task.CompletedTask;

                Task M()
                {
                    var task = WriteAsync();
                    task.ContinueWith(_ => _lastWrite = DateTime.UtcNow, TaskContinuationOptions.ExecuteSynchronously);
                    return task;
                }
            }
            """ },
        { "a method group continuation on a field, taking its state with as", """
            sealed class Worker
            {
                Task _loop = Task.CompletedTask;
                bool _running = true;

                static void OnLoopEnded(Task loop, object? state)
                {
                    var worker = state as Worker;
                    if (worker != null)
                    {
                        worker._running = false;
                    }
                }

                public void Watch() => _loop.ContinueWith(OnLoopEnded, this);
            }
            """ },
        { "a local awaited later, its timeout source disposed when it ends", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;

                async Task M()
                {
                    var timeout = new CancellationTokenSource();
                    var task = SendAsync();
                    task.ContinueWith(_ => timeout.Dispose());
                    await task.ConfigureAwait(false);
                }
            }
            """ },
    };
}
