namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001's core: what drops a task (a statement, a discard, the inner task of <c>StartNew(async ...)</c>) and what
/// observes one (await, return, a store, an argument, a block, an owner). Tasks held in locals are in
/// <see cref="FireAndForgetLocalTests"/>.
/// </summary>
public class FireAndForgetTests : AnalyzerCaseTests<FireAndForgetAnalyzer>
{
    // Each positive case marks every expected SG1001 with {|SG1001:...|}; each negative case must stay silent.
    public static TheoryData<string, string> Positive => new()
    {
        { "expression statement in a sync method", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { {|SG1005:SendAsync()|}; }
            }
            """ },
        { "expression statement in an async method", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M() { {|SG1005:SendAsync()|}; await Task.Yield(); }
            }
            """ },
        { "discard", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { _ = {|SG1005:SendAsync()|}; }
            }
            """ },
        { "Task.Run dropped", """
            class C
            {
                void M() { {|SG1005:Task.Run(() => Console.WriteLine())|}; }
            }
            """ },
        { "Task.Factory.StartNew dropped", """
            class C
            {
                void M() { {|SG1005:Task.Factory.StartNew(() => Console.WriteLine())|}; }
            }
            """ },
        { "ContinueWith dropped", """
            class C
            {
                void M(Task t) { {|SG1005:t.ContinueWith(x => Console.WriteLine(x.Status))|}; }
            }
            """ },
        { "Task.WhenAll result dropped", """
            class C
            {
                void M(Task a, Task b) { {|SG1005:Task.WhenAll(a, b)|}; }
            }
            """ },
        { "Task.WhenAny result dropped", """
            class C
            {
                void M(Task a, Task b) { {|SG1005:Task.WhenAny(a, b)|}; }
            }
            """ },
        { "ValueTask dropped", """
            class C
            {
                ValueTask WriteAsync() => default;
                void M() { {|SG1005:WriteAsync()|}; }
            }
            """ },
        { "ValueTask of T dropped through a channel", """
            class C
            {
                void M(ChannelWriter<int> writer) { {|SG1001:writer.WriteAsync(1)|}; }
            }
            """ },
        { "custom awaitable (GetAwaiter pattern) dropped", """
            using System.Runtime.CompilerServices;
            sealed class Op
            {
                public Awaiter GetAwaiter() => new Awaiter();
                public sealed class Awaiter : INotifyCompletion
                {
                    public bool IsCompleted => true;
                    public void GetResult() { }
                    public void OnCompleted(Action continuation) => continuation();
                }
            }
            class C
            {
                Op Start() => new Op();
                void M() { {|SG1005:Start()|}; }
            }
            """ },
        { "await Task.Factory.StartNew(async ...) awaits only the outer task", """
            class C
            {
                async Task M()
                {
                    {|SG1005:await Task.Factory.StartNew(async () => await Task.Delay(10))|};
                }
            }
            """ },
        { "in a constructor", """
            class C
            {
                public C() { {|SG1005:Task.Run(LoopAsync)|}; }
                Task LoopAsync() => Task.CompletedTask;
            }
            """ },
        { "in a property setter", """
            class C
            {
                Task SaveAsync(string v) => Task.CompletedTask;
                public string Name { set { {|SG1005:SaveAsync(value)|}; } }
            }
            """ },
        { "in a non-async lambda converted to Action", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                void M(List<int> items) { items.ForEach(i => {|SG1005:SendAsync(i)|}); }
            }
            """ },
        { "in a local function", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M()
                {
                    Local();
                    void Local() { {|SG1005:SendAsync()|}; }
                }
            }
            """ },
        { "in Dispose", """
            class C : IDisposable
            {
                private readonly Stream _stream = Stream.Null;
                public void Dispose() { {|SG1001:_stream.DisposeAsync()|}; }
            }
            """ },
        { "disconnect handler cancels but never awaits", """
            class C
            {
                private readonly ConcurrentDictionary<string, CancellationTokenSource> _cts = new();
                public void HandleDisconnect(string clientUid)
                {
                    if (_cts.TryRemove(clientUid, out var cts))
                    {
                        {|SG1001:cts.CancelAsync()|};
                    }
                }
            }
            """ },
        { "conditional access call dropped", """
            class C
            {
                private Stream? _stream;
                void M() { {|SG1001:_stream?.FlushAsync()|}; }
            }
            """ },
        { "Func<Task> delegate invoked and dropped", """
            class C
            {
                void M(Func<Task> handler) { {|SG1001:handler()|}; }
            }
            """ },
        { "await of ContinueWith(async ...) drops the inner task", """
            class C
            {
                async Task M(Task t)
                {
                    {|SG1005:await t.ContinueWith(async _ => await Task.Delay(1))|};
                }
            }
            """ },
        { "Task.Delay dropped", """
            class C
            {
                void M() { {|SG1005:Task.Delay(100)|}; }
            }
            """ },
        { "SemaphoreSlim.WaitAsync dropped", """
            class C
            {
                private readonly SemaphoreSlim _gate = new(1);
                void M() { {|SG1001:_gate.WaitAsync()|}; }
            }
            """ },
        { "task created per proxied message", """
            class ProxyMessageQueue
            {
                Task ForwardMessageAsync(string message, string senderId) => Task.CompletedTask;
                public void OnMessage(string message, string senderId)
                {
                    _ = {|SG1005:Task.Run(() => ForwardMessageAsync(message, senderId))|};
                }
            }
            """ },
        { "new Task(...).Start() dropped", """
            class C
            {
                void M() { {|SG1005:new Task(() => Console.WriteLine()).Start()|}; }
            }
            """ },
        { "event of Func<Task> invoked with ?.Invoke", """
            class C
            {
                public event Func<string, Task>? MessageReceived;
                void OnMessage(string m) { {|SG1001:MessageReceived?.Invoke(m)|}; }
            }
            """ },
        { "conditional access returning ValueTask? dropped", """
            class C
            {
                private ChannelWriter<int>? _writer;
                void M() { {|SG1001:_writer?.WriteAsync(1)|}; }
            }
            """ },
        { "StartNew(async ...) stored as a plain Task keeps only the outer task", """
            class C
            {
                private Task _loop = Task.CompletedTask;
                Task LoopAsync() => Task.CompletedTask;
                void Start() { _loop = {|SG1005:Task.Factory.StartNew(async () => await LoopAsync(), TaskCreationOptions.LongRunning)|}; }
            }
            """ },
        { "StartNew(async ...) returned as a plain Task", """
            class C
            {
                Task LoopAsync() => Task.CompletedTask;
                Task Start() { return {|SG1005:Task.Factory.StartNew(() => LoopAsync())|}; }
            }
            """ },
        { "an open of the SessionGuard registry dropped (the session it opens is nobody's)", """
            class C
            {
                void Reconnect(SessionRegistry registry, SessionId id) { _ = {|SG1001:registry.GetOrOpenAsync(id)|}; }
            }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        { "a SessionGuard teardown dropped: the registry owns it, it never faults", """
            class C
            {
                void Hang_up(Session session, SessionRegistry registry, SessionId other, CancellationToken token)
                {
                    _ = session.EndAsync();
                    session.EndAsync(SessionEndReason.Closed, token);
                    _ = registry.EndAsync(other, SessionEndReason.IdleExpired);
                }
            }
            """ },
        { "awaited", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M() { await SendAsync(); }
            }
            """ },
        { "awaited with ConfigureAwait", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M() { await SendAsync().ConfigureAwait(false); }
            }
            """ },
        { "returned", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                Task M() { return SendAsync(); }
            }
            """ },
        { "assigned to a field", """
            class C
            {
                private Task? _loop;
                Task LoopAsync() => Task.CompletedTask;
                void Start() { _loop = LoopAsync(); }
            }
            """ },
        { "assigned to a property", """
            class C
            {
                public Task? Loop { get; private set; }
                void Start() { Loop = Task.Run(() => { }); }
            }
            """ },
        { "assigned to an out parameter", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M(out Task t) { t = SendAsync(); }
            }
            """ },
        { "passed as an argument", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void Track(Task t) { }
                void M() { Track(SendAsync()); }
            }
            """ },
        { "blocked on with Wait", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { SendAsync().Wait(); }
            }
            """ },
        { "blocked on with Result", """
            class C
            {
                Task<int> CountAsync() => Task.FromResult(1);
                int M() { return CountAsync().Result; }
            }
            """ },
        { "blocked on with GetAwaiter().GetResult()", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { SendAsync().GetAwaiter().GetResult(); }
            }
            """ },
        { "Task.CompletedTask and FromResult", """
            class C
            {
                void M() { _ = Task.CompletedTask; Task.FromResult(1); var t = Task.FromResult(2); }
            }
            """ },
        { "Forget with a logger", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M(ILogger logger) { SendAsync().Forget(logger); }
            }
            """ },
        { "session.Run owns the task", """
            class C
            {
                Task SendAsync(CancellationToken ct) => Task.CompletedTask;
                void M(Session session) { session.Run(ct => SendAsync(ct)); }
            }
            """ },
        { "await Task.WhenAny result is one of the given tasks", """
            class C
            {
                async Task M(Task work)
                {
                    await Task.WhenAny(work, Task.Delay(1000));
                    var winner = await Task.WhenAny(work, Task.Delay(5));
                    Console.WriteLine(winner == work);
                }
            }
            """ },
        { "await Task.Factory.StartNew(...).Unwrap()", """
            class C
            {
                async Task M() { await Task.Factory.StartNew(async () => await Task.Delay(10)).Unwrap(); }
            }
            """ },
        { "async lambda returned as Func<Task>", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                Func<Task> M() => () => SendAsync();
                void N() { Func<Task> f = () => SendAsync(); Run(f); }
                void Run(Func<Task> f) { }
            }
            """ },
        { "Task.Run awaited", """
            class C
            {
                async Task<int> M() => await Task.Run(() => 42);
            }
            """ },
        { "chained continuation stays observed", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                async Task M(int[] items)
                {
                    Task last = Task.CompletedTask;
                    foreach (var i in items)
                    {
                        var n = i;
                        last = last.ContinueWith(_ => SendAsync(n)).Unwrap();
                    }

                    await last;
                }
            }
            """ },
        { "pending operation pattern with a timeout", """
            class C
            {
                Task<string> ReadAsync() => Task.FromResult("x");
                async Task<string?> M()
                {
                    var read = ReadAsync();
                    if (await Task.WhenAny(read, Task.Delay(5000)) != read)
                    {
                        return null;
                    }

                    return await read;
                }
            }
            """ },
        { "Interlocked.Exchange returns the old task", """
            class C
            {
                private Task _current = Task.CompletedTask;
                void M() { Interlocked.Exchange(ref _current, Task.CompletedTask); }
            }
            """ },
        { "task returned from a switch expression", """
            class C
            {
                Task A() => Task.CompletedTask;
                Task B() => Task.CompletedTask;
                Task M(int i) { var t = i switch { 0 => A(), _ => B() }; return t; }
            }
            """ },
        { "await in a using and try/finally", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M(IDisposable d)
                {
                    var t = SendAsync();
                    try
                    {
                        using (d) { await t; }
                    }
                    finally
                    {
                        Console.WriteLine();
                    }
                }
            }
            """ },
        { "thrown path is not a leak", """
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                async Task M(bool bad)
                {
                    var t = SendAsync();
                    if (bad) throw new InvalidOperationException();
                    await t;
                }
            }
            """ },
        { "void calls and non-task values", """
            class C
            {
                int Count() => 1;
                void M(List<int> l) { Count(); l.Add(1); Console.WriteLine(); }
            }
            """ },
        { "disconnect handler cancels and awaits", """
            class C
            {
                private readonly ConcurrentDictionary<string, (CancellationTokenSource Cts, Task Task)> _running = new();
                public async Task HandleDisconnectAsync(string clientUid)
                {
                    if (_running.TryRemove(clientUid, out var entry))
                    {
                        await entry.Cts.CancelAsync();
                        try { await entry.Task.WaitAsync(TimeSpan.FromSeconds(2)); }
                        catch (OperationCanceledException) { }
                        catch (TimeoutException) { }
                    }
                }
            }
            """ },
        { "ValueTask awaited via AsTask", """
            class C
            {
                ValueTask WriteAsync() => default;
                Task M() => WriteAsync().AsTask();
            }
            """ },
        { "StartNew(async ...).Unwrap() stored, StartNew of an action stored", """
            class C
            {
                private Task _loop = Task.CompletedTask;
                private Task _other = Task.CompletedTask;
                Task LoopAsync() => Task.CompletedTask;
                void Start()
                {
                    _loop = Task.Factory.StartNew(async () => await LoopAsync()).Unwrap();
                    _other = Task.Factory.StartNew(() => Console.WriteLine());
                }
            }
            """ },
        { "Task.WhenAny result as a plain Task", """
            class C
            {
                Task M(Task a, Task b) { Task any = Task.WhenAny(a, b); return any; }
            }
            """ },
        { "Task<Task> kept as such and awaited twice", """
            class C
            {
                async Task M() { Task<Task> outer = Task.Factory.StartNew(async () => await Task.Yield()); await await outer; }
            }
            """ },
        { "NSubstitute When(...) names a call, Received() checks one", """
            public interface ISender { Task SendAsync(string m); }
            public static class SubstituteExtensions
            {
                public static T Received<T>(this T sub) => sub;
                public static WhenCalled<T> When<T>(this T sub, Action<T> call) => new();
            }
            public sealed class WhenCalled<T> { public void Do(Action<object> a) { } }
            class C
            {
                void M(ISender sender)
                {
                    sender.When(x => x.SendAsync("a")).Do(_ => { });
                    sender.Received().SendAsync("a");
                }
            }
            """ },
        { "nameof and expression tree", """
            using System.Linq.Expressions;
            class C
            {
                Task SendAsync() => Task.CompletedTask;
                void M() { Expression<Func<C, Task>> e = c => c.SendAsync(); Console.WriteLine(nameof(SendAsync)); }
            }
            """ },
    };
}
