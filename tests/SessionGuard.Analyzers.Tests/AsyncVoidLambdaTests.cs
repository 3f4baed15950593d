using System.Threading.Tasks;

namespace SessionGuard.Analyzers.Tests;

public class AsyncVoidLambdaTests : AnalyzerCaseTests<AsyncVoidLambdaAnalyzer>
{
    public static TheoryData<string, string> Positive => new()
    {
        { "Action", """
            class C { void M() { Action a = {|SG1003:async|} () => await Task.Yield(); } }
            """ },
        { "Action<T>", """
            class C { void M() { Action<int> a = {|SG1003:async|} i => await Task.Delay(i); } }
            """ },
        { "List<T>.ForEach", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                void M(List<int> items) { items.ForEach({|SG1003:async|} i => await SendAsync(i)); }
            }
            """ },
        { "Parallel.ForEach body", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                void M(int[] items) { Parallel.ForEach(items, {|SG1003:async|} i => await SendAsync(i)); }
            }
            """ },
        { "System.Threading.Timer callback", """
            class C
            {
                Task PingAsync() => Task.CompletedTask;
                Timer M() => new Timer({|SG1003:async|} _ => await PingAsync(), null, 0, 1000);
            }
            """ },
        { "ThreadPool.QueueUserWorkItem", """
            class C { void M() { ThreadPool.QueueUserWorkItem({|SG1003:async|} _ => await Task.Yield()); } }
            """ },
        { "new Thread", """
            class C { void M() { new Thread({|SG1003:async|} () => await Task.Yield()).Start(); } }
            """ },
        { "new Task with an async lambda", """
            class C { Task M() => new Task({|SG1003:async|} () => await Task.Yield()); }
            """ },
        { "SynchronizationContext.Post callback", """
            class C { void M(SynchronizationContext ctx) { ctx.Post({|SG1003:async|} _ => await Task.Yield(), null); } }
            """ },
        { "anonymous method", """
            class C { void M() { Action a = {|SG1003:async|} delegate { await Task.Yield(); }; } }
            """ },
        { "CancellationToken.Register callback", """
            class C
            {
                Task CleanupAsync() => Task.CompletedTask;
                void M(CancellationToken ct) { ct.Register({|SG1003:async|} () => await CleanupAsync()); }
            }
            """ },
        { "custom void delegate", """
            delegate void MessageCallback(string message);
            class C { void M() { MessageCallback cb = {|SG1003:async|} m => await Task.Yield(); } }
            """ },
        { "Action passed to a method", """
            class C
            {
                void Schedule(Action a) { }
                void M() { Schedule({|SG1003:async|} () => { await Task.Yield(); }); }
            }
            """ },
        { "Action<object, string> is not an event handler", """
            class C { void M() { Action<object, string> a = {|SG1003:async|} (s, e) => await Task.Yield(); } }
            """ },
        { "Action field initializer", """
            class C { private readonly Action _onTick = {|SG1003:async|} () => await Task.Yield(); }
            """ },
        { "event of type Action", """
            class C
            {
                public event Action? Disconnected;
                Task CleanupAsync() => Task.CompletedTask;
                void M() { Disconnected += {|SG1003:async|} () => await CleanupAsync(); }
            }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        { "Func<Task>", """
            class C { void M() { Func<Task> f = async () => await Task.Yield(); } }
            """ },
        { "Func<T, Task>", """
            class C { void M() { Func<int, Task> f = async i => await Task.Delay(i); } }
            """ },
        { "Task.Run with async lambda", """
            class C { Task M() => Task.Run(async () => await Task.Yield()); }
            """ },
        { "EventHandler", """
            class C { void M() { EventHandler h = async (s, e) => await Task.Yield(); } }
            """ },
        { "EventHandler<T>", """
            class C { void M() { EventHandler<UnhandledExceptionEventArgs> h = async (s, e) => await Task.Yield(); } }
            """ },
        { "event subscription with EventHandler", """
            class C
            {
                public event EventHandler? Changed;
                void M() { Changed += async (s, e) => await Task.Yield(); }
            }
            """ },
        { "custom event-handler-shaped delegate", """
            class MsgArgs : EventArgs { }
            delegate void MsgHandler(object sender, MsgArgs e);
            class C { void M() { MsgHandler h = async (s, e) => await Task.Yield(); } }
            """ },
        { "non-async Action lambda", """
            class C { void M() { Action a = () => Console.WriteLine(); } }
            """ },
        { "Parallel.ForEachAsync", """
            class C { Task M(int[] items) => Parallel.ForEachAsync(items, async (i, ct) => await Task.Delay(i, ct)); }
            """ },
        { "async lambda to Func<ValueTask>", """
            class C { void M() { Func<ValueTask> f = async () => await Task.Yield(); } }
            """ },
        { "Select with async lambda yields tasks", """
            class C { Task M(int[] items) => Task.WhenAll(items.Select(async i => await Task.Delay(i))); }
            """ },
        { "async lambda returning a value", """
            class C { void M() { Func<Task<int>> f = async () => { await Task.Yield(); return 1; }; } }
            """ },
        { "session.Run takes Func<CancellationToken, Task>", """
            class C { void M(Session s) { s.Run(async ct => await Task.Delay(1, ct)); } }
            """ },
        { "anonymous method returning Task", """
            class C { void M() { Func<Task> f = async delegate { await Task.Yield(); }; } }
            """ },
        { "async method, not a lambda", """
            class C { async Task M() { await Task.Yield(); } }
            """ },
        { "Task.Factory.StartNew with Func<Task>", """
            class C { Task M() => Task.Factory.StartNew(async () => await Task.Yield()).Unwrap(); }
            """ },
    };

    [Fact]
    public Task Message_names_the_delegate() =>
        Verify.Analyzer<AsyncVoidLambdaAnalyzer>(
            Sources.Wrap("class C { void M(List<int> l) { l.ForEach({|#0:async|} i => await Task.Delay(i)); } }"),
            null,
            Verify.Diagnostic("SG1003").WithLocation(0).WithArguments("Action<int>"));
}
