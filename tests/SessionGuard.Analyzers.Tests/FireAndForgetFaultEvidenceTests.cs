using System.Threading.Tasks;

namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001 against SG1005: a dropped task is SG1001 when its work visibly can fault (work the analyzer cannot read, user
/// code, a throw, synchronous I/O, outside a catch-all), SG1005 when the analyzer reads all of it and sees none of that.
/// Each dropped task is reported once, under one of the two.
/// </summary>
public class FireAndForgetFaultEvidenceTests : AnalyzerCaseTests<FireAndForgetAnalyzer>
{
    public static TheoryData<string, string> Positive => new()
    {
        // Issue 17's true reports to keep: discards, a local overwritten in a loop, a local dropped on an early return.
        { "the kept true shapes with work that writes to a stream", """
            class Sender(Stream stream)
            {
                async Task SendAsync(byte[] frame) { await stream.WriteAsync(frame); }
                void Discard(byte[] frame) { _ = {|SG1001:SendAsync(frame)|}; }
                async Task LoopAsync(byte[][] frames)
                {
                    Task last = Task.CompletedTask;
                    foreach (var frame in frames) { last = {|SG1001:SendAsync(frame)|}; }
                    await last;
                }
                async Task EarlyReturnAsync(byte[] frame, bool cancelled)
                {
                    var send = {|SG1001:SendAsync(frame)|};
                    if (cancelled) return;
                    await send;
                }
            }
            """ },
        { "work of another assembly or an interface member: it cannot be read", """
            interface IChannel { Task CloseAsync(); }
            class C
            {
                void M(IChannel channel, ChannelWriter<int> writer)
                {
                    {|SG1001:channel.CloseAsync()|};
                    _ = {|SG1001:writer.WriteAsync(1)|};
                }
            }
            """ },
        { "user code: a delegate, an event, an observer, a delegate run by Task.Run", """
            class Hub
            {
                public event Func<string, Task>? Closed;
                private readonly List<IObserver<string>> _observers = new();
                Task RaiseAsync() => Closed?.Invoke("bye") ?? Task.CompletedTask;
                async Task NotifyAsync() { await Task.Yield(); foreach (var o in _observers) { o.OnNext("tick"); } }
                void M(Func<Task> handler, Action work)
                {
                    _ = {|SG1001:RaiseAsync()|};
                    _ = {|SG1001:NotifyAsync()|};
                    {|SG1001:handler()|};
                    _ = {|SG1001:Task.Run(work)|};
                }
            }
            """ },
        { "a throw, a rethrow from a catch-all, a faulted task", """
            class C(ILogger logger)
            {
                async Task ValidateAsync(string s) { await Task.Yield(); if (s.Length == 0) throw new InvalidOperationException("empty"); }
                async Task RethrowAsync() { try { await Task.Yield(); } catch (Exception ex) { logger.LogError(ex, "failed"); throw; } }
                Task FailAsync() => Task.FromException(new InvalidOperationException());
                void M()
                {
                    _ = {|SG1001:ValidateAsync("")|};
                    _ = {|SG1001:RethrowAsync()|};
                    _ = {|SG1001:FailAsync()|};
                }
            }
            """ },
        { "synchronous I/O outside a catch-all", """
            class Listener(ILogger logger)
            {
                async Task HandleAsync(Stream output)
                {
                    try { await Task.Yield(); }
                    catch (Exception ex) { logger.LogError(ex, "failed"); }
                    output.Flush();
                }
                void M(Stream output) { _ = {|SG1001:HandleAsync(output)|}; }
            }
            """ },
        { "a continuation that ignores the fault of the work it follows", """
            class C
            {
                void M(Stream stream) { {|SG1001:stream.FlushAsync().ContinueWith(t => Console.WriteLine("flushed"))|}; }
            }
            """ },
        { "work deeper than the analyzer reads counts as unread", """
            class C
            {
                async Task A() { await B(); }
                async Task B() { await C1(); }
                async Task C1() { await D(); }
                async Task D() { await E(); }
                async Task E() { await Task.Yield(); }
                void M() { _ = {|SG1001:A()|}; }
            }
            """ },
        { "no visible fault: a stub, a delay-and-log loop, a promise, cancellation", """
            class Monitor(ILogger logger)
            {
                private readonly TaskCompletionSource _ready = new();
                private readonly List<int> _samples = new();
                Task StubAsync() => Task.CompletedTask;
                async Task LoopAsync(CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        await Task.Delay(1000, ct);
                        _samples.Add(Environment.TickCount);
                        logger.LogInformation("samples: {Count}", _samples.Count);
                    }
                }
                async Task WaitReadyAsync() { await _ready.Task; logger.LogInformation("ready"); }
                async Task CancelAsync(CancellationToken ct)
                {
                    _samples.Clear();
                    try { await Task.Delay(1000, ct); }
                    catch (OperationCanceledException) { logger.LogInformation("stopped"); throw; }
                }
                void M(CancellationToken ct)
                {
                    {|SG1005:StubAsync()|};
                    _ = {|SG1005:LoopAsync(ct)|};
                    _ = {|SG1005:Task.Run(() => LoopAsync(ct))|};
                    _ = {|SG1005:WaitReadyAsync()|};
                    _ = {|SG1005:CancelAsync(ct)|};
                }
            }
            """ },
        { "no visible fault: a cleanup continuation on a task held elsewhere", """
            class Pool
            {
                private readonly Dictionary<int, Task> _pending = new();
                private Task _current = Task.CompletedTask;
                void M(int id)
                {
                    {|SG1005:_current.ContinueWith(t => _pending.Remove(id))|};
                }
            }
            """ },
        { "a helper's delegate parameter reads the lambda the call gives it", """
            namespace System.Threading.Tasks
            {
                // As in Microsoft.Bcl.TimeProvider: a delay, whatever its body here.
                static class TimeProviderTaskExtensions
                {
                    public static Task Delay(this TimeProvider provider, TimeSpan delay) => throw new NotSupportedException();
                }
            }
            static class Run
            {
                public static Task Later(TimeSpan delay, Func<Task> action) => Task.Run(async () =>
                {
                    await TimeProvider.System.Delay(delay);
                    await action();
                });
            }
            class C(Stream stream)
            {
                void M()
                {
                    _ = {|SG1005:Run.Later(TimeSpan.FromSeconds(1), () => Task.CompletedTask)|};
                    _ = {|SG1001:Run.Later(TimeSpan.FromSeconds(1), () => stream.FlushAsync())|};
                }
            }
            """ },
        { "an interface of this compilation reads every implementation", """
            interface IProbe { Task ProbeAsync(); }
            sealed class Quiet : IProbe { public Task ProbeAsync() => Task.CompletedTask; }
            sealed class AlsoQuiet : IProbe { public async Task ProbeAsync() { await Task.Yield(); } }
            interface ISink { Task WriteAsync(); }
            sealed class NullSink : ISink { public Task WriteAsync() => Task.CompletedTask; }
            sealed class StreamSink(Stream stream) : ISink { public Task WriteAsync() => stream.FlushAsync(); }
            class C
            {
                void M(IProbe probe, ISink sink)
                {
                    {|SG1005:probe.ProbeAsync()|};
                    {|SG1001:sink.WriteAsync()|};
                }
            }
            """ },
        { "a continuation on a local: its work when nobody else holds it, nothing when the method returns it", """
            class C
            {
                private static readonly Action<Task> status = t => Console.WriteLine(t.Status);
                void Dropped(Stream stream)
                {
                    Task flush = stream.FlushAsync();
                    {|SG1001:flush.ContinueWith(t => Console.WriteLine("flushed"))|};
                }
                Task Returned(Stream stream)
                {
                    Task flush = stream.FlushAsync();
                    {|SG1005:flush.ContinueWith(status)|};
                    return flush;
                }
            }
            """ },
        { "work the body awaits through a local, alone or in WhenAll", """
            class C(Stream stream)
            {
                async Task SendAsync() { var flush = stream.FlushAsync(); await flush; }
                async Task BothAsync() { var a = stream.FlushAsync(); var b = Task.Delay(1); await Task.WhenAll(a, b); }
                void M() { _ = {|SG1001:SendAsync()|}; _ = {|SG1001:BothAsync()|}; }
            }
            """ },
        { "a returned task is not the catch-all's to observe", """
            class C(Stream stream, ILogger logger)
            {
                Task SendAsync()
                {
                    try { return stream.FlushAsync(); }
                    catch (Exception ex) { logger.LogError(ex, "send failed"); return Task.CompletedTask; }
                }
                void M() { _ = {|SG1001:SendAsync()|}; }
            }
            """ },
        { "await foreach and await using over work the analyzer cannot read", """
            class C
            {
                private int _count;
                async Task PumpAsync(IAsyncEnumerable<int> source) { await foreach (var item in source) { _count += item; } }
                async Task UseAsync(Func<IAsyncDisposable> open) { await Task.Yield(); await using var resource = open(); _count++; }
                void M(IAsyncEnumerable<int> source) { _ = {|SG1001:PumpAsync(source)|}; _ = {|SG1001:UseAsync(() => new MemoryStream())|}; }
            }
            """ },
        { "a readonly delegate field a constructor may replace is the caller's code", """
            class Client
            {
                private readonly Func<Task> _onClosed = () => Task.CompletedTask;
                private readonly Func<Task> _onOpened = () => Task.CompletedTask;
                public Client(Func<Task>? closed) { if (closed is not null) _onClosed = closed; }
                void Close() { _ = {|SG1001:_onClosed()|}; _ = {|SG1005:_onOpened()|}; }
            }
            """ },
        { "an interface implemented by a virtual method reads its overrides", """
            interface ISink { Task WriteAsync(); }
            class BaseSink : ISink { public virtual Task WriteAsync() => Task.CompletedTask; }
            sealed class StreamSink(Stream stream) : BaseSink { public override Task WriteAsync() => stream.FlushAsync(); }
            class C { void M(ISink sink) { {|SG1001:sink.WriteAsync()|}; } }
            """ },
        { "a method read deep in one call is read again nearer in the next", """
            class C
            {
                static void Check() { throw new InvalidOperationException(); }
                static void L2() => Check();
                static void L1() => L2();
                static void L0() => L1();
                async Task BothAsync() { await Task.Yield(); L0(); L2(); }
                void M() { _ = {|SG1001:BothAsync()|}; }
            }
            """ },
        { "a partial method is read in its implementing part", """
            partial class C(Stream stream)
            {
                private partial Task SendAsync();
                private partial Task SendAsync() => stream.FlushAsync();
                void M() { _ = {|SG1001:SendAsync()|}; }
            }
            """ },
        { "four methods deep are read, a fifth is not", """
            class C
            {
                async Task A() { await B(); }
                async Task B() { await C1(); }
                async Task C1() { await D(); }
                Task D() => Task.CompletedTask;
                void M() { _ = {|SG1005:A()|}; }
            }
            """ },
        { "a lambda handed on keeps the delegate bound further out; ValueTask's completed tasks", """
            static class Helpers
            {
                public static Task Outer(Func<Task> f) => Inner(() => f());
                public static Task Inner(Func<Task> g) => g();
                public static ValueTask<int> CachedAsync() => ValueTask.FromResult(1);
            }
            class C
            {
                void M() { _ = {|SG1005:Helpers.Outer(() => Task.CompletedTask)|}; _ = {|SG1005:Helpers.CachedAsync()|}; }
            }
            """ },
        { "work that reads itself again: a chain in a loop, a recursive helper, a self-rescheduling field", """
            class C
            {
                private static readonly Func<Task> Tick = async () => { await Task.Delay(1000); _ = {|SG1005:Tick()|}; };
                static Task RunAsync(Func<Task> action, int n) => n == 0 ? action() : RunAsync(() => action(), n - 1);
                void M(Stream s)
                {
                    _ = {|SG1005:RunAsync(() => Task.CompletedTask, 3)|};
                    _ = {|SG1005:Tick()|};
                    Task chain = Task.CompletedTask;
                    for (int i = 0; i < 3; i++) { chain = chain.ContinueWith(_ => s.Flush()); }
                    {|SG1001:chain.ContinueWith(t => Console.WriteLine("done"))|};
                }
            }
            """ },
    };

    public static TheoryData<string, string> Guards => new()
    {
        { "a guard clause written out counts like the framework's ThrowIf helpers", """
            class C
            {
                async Task CheckedAsync(string s) { await Task.Yield(); if (s.Length == 0) throw new ArgumentOutOfRangeException(nameof(s)); }
                async Task HelperAsync(string s) { await Task.Yield(); ArgumentException.ThrowIfNullOrEmpty(s); }
                async Task DisposedAsync(bool disposed) { await Task.Yield(); if (disposed) throw new ObjectDisposedException("C"); }
                void M()
                {
                    _ = {|SG1005:CheckedAsync("")|};
                    _ = {|SG1005:HelperAsync("")|};
                    _ = {|SG1001:DisposedAsync(true)|};
                }
            }
            """ },
        { "logging through a [LoggerMessage] method is logging, not user code", """
            static partial class Log
            {
                private static readonly Action<ILogger, int, Exception?> __StartedCallback =
                    LoggerMessage.Define<int>(LogLevel.Information, new EventId(1, "Started"), "Started {Id}");

                [LoggerMessage(1, LogLevel.Information, "Started {Id}")]
                public static partial void Started(ILogger logger, int id);

                public static partial void Started(ILogger logger, int id)
                {
                    if (logger.IsEnabled(LogLevel.Information)) { __StartedCallback(logger, id, null); }
                }
            }
            sealed class FileLogger { public void Write(string line) => File.AppendAllText("app.log", line); }
            class C(ILogger logger, Stream stream, FileLogger file)
            {
                async Task LoopAsync() { while (true) { Log.Started(logger, 1); file.Write("tick"); await Task.Delay(10); } }
                private static readonly Action<ILogger, Exception?> s_ping = LoggerMessage.Define(LogLevel.Debug, new EventId(2), "Ping");
                async Task PingAsync() { while (true) { s_ping(logger, null); await Task.Delay(10); } }
                async Task FlushAsync() { Log.Started(logger, 1); await stream.FlushAsync(); }
                void M() { _ = {|SG1005:LoopAsync()|}; _ = {|SG1005:PingAsync()|}; _ = {|SG1001:FlushAsync()|}; }
            }
            """ },
        { "a private delegate field: the values its type gives it", """
            static class Native
            {
                private static Func<int, int> _poll = null!;
                internal static void Load(System.Reflection.MethodInfo method) => _poll = (Func<int, int>)method.CreateDelegate(typeof(Func<int, int>));
                internal static int Poll(int x) => _poll(x);
            }
            sealed class Handlers
            {
                private Func<Task> _onClose = () => Task.CompletedTask;
                private Action _tick = () => { };
                private Func<Task> _made = null!;
                public void OnClose(Func<Task> handler) => _onClose = handler;
                public void Make(System.Reflection.MethodInfo method) => _made = (Func<Task>)method.CreateDelegate(typeof(Func<Task>));
                public Task CloseAsync() => _onClose();
                public Task TickAsync() => Task.Run(() => _tick());
                public Task MadeAsync() => _made();
            }
            class C
            {
                void M(Handlers h)
                {
                    _ = {|SG1005:Task.Run(() => Native.Poll(1))|};
                    _ = {|SG1001:h.CloseAsync()|};
                    _ = {|SG1005:h.TickAsync()|};
                    _ = {|SG1001:h.MadeAsync()|};
                }
            }
            """ },
        { "a value task as a task: the value task's own work", """
            class C
            {
                ValueTask NothingAsync() => default;
                void M(Stream stream, byte[] buffer)
                {
                    _ = {|SG1005:NothingAsync().AsTask()|};
                    _ = {|SG1001:stream.ReadAsync(buffer).AsTask()|};
                }
            }
            """ },
    };

#pragma warning disable xUnit1015
    [Theory]
    [MemberData(nameof(Guards))]
    public Task Reads_what_is_not_a_fault(string name, string source) => Run(Prelude, name, source);
#pragma warning restore xUnit1015

    public static TheoryData<string, string> Negative => new()
    {
        { "a [LoggerMessage] call before a catch-all is logging, like an ILogger call", """
            static partial class Log
            {
                private static readonly Action<ILogger, Exception?> __FlushingCallback = LoggerMessage.Define(LogLevel.Debug, new EventId(1), "Flushing");

                [LoggerMessage(1, LogLevel.Debug, "Flushing")]
                public static partial void Flushing(ILogger logger);

                public static partial void Flushing(ILogger logger) => __FlushingCallback(logger, null);
            }
            class C(ILogger logger, Stream stream)
            {
                async Task FlushAsync()
                {
                    Log.Flushing(logger);
                    try { await stream.FlushAsync(); } catch (Exception ex) { logger.LogError(ex, "flush failed"); }
                }
                void M() { _ = FlushAsync(); }
            }
            """ },
        // What neither rule reports: the same work awaited, owned, or guarded as a whole.
        { "the same work awaited, stored, or wholly guarded", """
            class Sender(Stream stream, ILogger logger)
            {
                private Task _pending = Task.CompletedTask;
                async Task SendAsync(byte[] frame) { await stream.WriteAsync(frame); }
                async Task GuardedAsync(byte[] frame) { try { await SendAsync(frame); } catch (Exception ex) { logger.LogError(ex, "send failed"); } }
                async Task M(byte[] frame)
                {
                    await SendAsync(frame);
                    _pending = SendAsync(frame);
                    _ = GuardedAsync(frame);
                    await _pending;
                }
            }
            """ },
    };
}
