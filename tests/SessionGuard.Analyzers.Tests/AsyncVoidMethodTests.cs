using System.Threading.Tasks;

namespace SessionGuard.Analyzers.Tests;

public class AsyncVoidMethodTests : AnalyzerCaseTests<AsyncVoidMethodAnalyzer>
{
    public static TheoryData<string, string> Positive => new()
    {
        { "plain async void method", """
            class C { async void {|SG1002:Save|}() { await Task.Yield(); } }
            """ },
        { "public async void", """
            public class C { public async void {|SG1002:Start|}() { await Task.Delay(1); } }
            """ },
        { "static async void", """
            class C { static async void {|SG1002:Run|}() { await Task.Yield(); } }
            """ },
        { "async void with one object parameter", """
            class C { async void {|SG1002:OnTick|}(object state) { await Task.Yield(); } }
            """ },
        { "async void with (object, string) is not an event handler", """
            class C { async void {|SG1002:OnMessage|}(object sender, string text) { await Task.Yield(); } }
            """ },
        { "async void with (string, EventArgs): first parameter is not object", """
            class C { async void {|SG1002:OnClick|}(string sender, EventArgs e) { await Task.Yield(); } }
            """ },
        { "async void with three parameters", """
            class C { async void {|SG1002:Handle|}(object sender, EventArgs e, int extra) { await Task.Yield(); } }
            """ },
        { "async void local function", """
            class C
            {
                void M()
                {
                    Local();
                    async void {|SG1002:Local|}() { await Task.Yield(); }
                }
            }
            """ },
        { "async void disconnect handler with a session id", """
            class C { public async void {|SG1002:HandleDisconnect|}(SessionId session) { await Task.Yield(); } }
            """ },
        { "async void in a struct", """
            struct S { async void {|SG1002:M|}() { await Task.Yield(); } }
            """ },
        { "async void virtual", """
            class C { protected virtual async void {|SG1002:OnStarted|}() { await Task.Yield(); } }
            """ },
        { "async void generic method", """
            class C { async void {|SG1002:Send|}<T>(T value) { await Task.Yield(); } }
            """ },
        { "async void expression-bodied", """
            class C { async void {|SG1002:Fire|}() => await Task.Delay(1); }
            """ },
        { "async void in a record", """
            record R { async void {|SG1002:Flush|}() { await Task.Yield(); } }
            """ },
        { "async void with object and int", """
            class C { async void {|SG1002:Callback|}(object sender, int code) { await Task.Yield(); } }
            """ },
        { "async void static local function", """
            class C
            {
                void M()
                {
                    static async void {|SG1002:Log|}(string m) { await Task.Yield(); }
                    Log("x");
                }
            }
            """ },
        { "async void test method", """
            class Tests { public async void {|SG1002:Sends_hello|}() { await Task.Yield(); } }
            """ },
        { "async void whose catch rethrows", """
            class C
            {
                async void {|SG1002:Reconnect|}(Func<Task> connect)
                {
                    try { await connect(); }
                    catch (Exception e) { Console.WriteLine(e); throw; }
                }
            }
            """ },
        { "async void guarded loop with no way out", """
            class C
            {
                async void {|SG1002:Ping|}(Func<Task> ping)
                {
                    while (true)
                    {
                        try { await ping(); }
                        catch (Exception e) { Console.WriteLine(e); }
                    }
                }
            }
            """ },
        { "async void whose promise is cast from its state before the catch-all (the cast can throw)", """
            class C
            {
                async void {|SG1002:Acquire|}(object state, Func<Task<int>> acquire)
                {
                    var promise = (TaskCompletionSource<int>)state;
                    try { promise.TrySetResult(await acquire()); }
                    catch (Exception e) { promise.TrySetException(e); }
                }
            }
            """ },
        { "async void whose catch-all leaves some work outside it", """
            class C
            {
                async void {|SG1002:Restart|}(Func<Task> stop, Func<Task> start)
                {
                    await stop();
                    try { await start(); }
                    catch (Exception e) { Console.WriteLine(e); }
                }
            }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        { "async void reconnect loop with logging and a stopwatch before its catch-all", """
            class C(Microsoft.Extensions.Logging.ILogger logger, Func<Task> reconnect)
            {
                int _reconnects;

                async void ReconnectLoop()
                {
                    var count = Interlocked.Increment(ref _reconnects);
                    Microsoft.Extensions.Logging.LoggerExtensions.LogDebug(logger, "Reconnect loop started [{Count}]", count);
                    var debug = logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug);
                    var stopwatch = System.Diagnostics.Stopwatch.StartNew();
                    try
                    {
                        await reconnect();
                        if (debug)
                        {
                            Console.WriteLine(stopwatch.ElapsedMilliseconds);
                        }
                    }
                    catch (Exception e)
                    {
                        Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(logger, e, "Reconnect failed");
                    }
                }

                public void Start() => ReconnectLoop();
            }
            """ },
        { "async void whose whole body observes its faults, in a loop that ends on cancellation", """
            class C
            {
                async void ReconnectLoop(Func<CancellationToken, Task> connect, CancellationToken token)
                {
                    while (!token.IsCancellationRequested)
                    {
                        try { await connect(token); }
                        catch (Exception e) { Console.WriteLine(e); }
                    }
                }

                void M(Func<Task> work)
                {
                    Local();

                    async void Local()
                    {
                        try { await work(); }
                        catch (Exception e) { Console.WriteLine(e); }
                    }
                }
            }
            """ },
        { "async void whose promise is taken from its state with 'as' before the catch-all", """
            class C
            {
                async void Acquire(object state, Func<Task<int>> acquire)
                {
                    var promise = state as TaskCompletionSource<int>;
                    try { promise!.TrySetResult(await acquire()); }
                    catch (Exception e) { promise!.TrySetException(e); }
                }
            }
            """ },
        { "async Task", """
            class C { async Task Save() { await Task.Yield(); } }
            """ },
        { "async ValueTask", """
            class C { async ValueTask Save() { await Task.Yield(); } }
            """ },
        { "async Task<T>", """
            class C { async Task<int> Count() { await Task.Yield(); return 1; } }
            """ },
        { "event handler (object, EventArgs)", """
            class C { async void OnClick(object sender, EventArgs e) { await Task.Yield(); } }
            """ },
        { "event handler with nullable sender", """
            class C { async void OnClick(object? sender, EventArgs e) { await Task.Yield(); } }
            """ },
        { "event handler with derived EventArgs", """
            class MessageEventArgs : EventArgs { }
            class C { async void OnMessage(object sender, MessageEventArgs e) { await Task.Yield(); } }
            """ },
        { "event handler with UnhandledExceptionEventArgs", """
            class C { async void OnError(object sender, UnhandledExceptionEventArgs e) { await Task.Yield(); } }
            """ },
        { "event handler deeper EventArgs hierarchy", """
            class A : EventArgs { } class B : A { }
            class C { async void On(object sender, B e) { await Task.Yield(); } }
            """ },
        { "event handler local function", """
            class C
            {
                event EventHandler? Changed;
                void M() { Changed += OnChanged; async void OnChanged(object? s, EventArgs e) { await Task.Yield(); } }
            }
            """ },
        { "override of a void method", """
            abstract class Base { protected abstract void OnStarted(); }
            class C : Base { protected override async void OnStarted() { await Task.Yield(); } }
            """ },
        { "interface implementation", """
            interface IObserver { void OnNext(int value); }
            class C : IObserver { public async void OnNext(int value) { await Task.Yield(); } }
            """ },
        { "explicit interface implementation", """
            interface IObserver { void OnNext(int value); }
            class C : IObserver { async void IObserver.OnNext(int value) { await Task.Yield(); } }
            """ },
        { "void method that is not async", """
            class C { void Save() { Task.Run(() => { }).Wait(); } }
            """ },
        { "async lambda is SG1003's business", """
            class C { void M() { Func<Task> f = async () => await Task.Yield(); } }
            """ },
        { "async local function returning Task", """
            class C { void M() { async Task Local() => await Task.Yield(); Local().Wait(); } }
            """ },
        { "event handler with generic EventArgs type parameter", """
            class C { async void On<TArgs>(object sender, TArgs e) where TArgs : EventArgs { await Task.Yield(); } }
            """ },
    };

    [Fact]
    public Task Message_names_the_method() =>
        Verify.Analyzer<AsyncVoidMethodAnalyzer>(
            Sources.Wrap("class C { async void {|#0:Save|}() { await Task.Yield(); } }"),
            null,
            Verify.Diagnostic("SG1002").WithLocation(0).WithArguments("Save"));
}
