using System.Threading.Tasks;

namespace SessionGuard.Analyzers.Tests;

public class SubscriptionAccumulatesTests : AnalyzerCaseTests<SubscriptionAccumulatesAnalyzer>
{
    private const string Bus = """
        class MessageEventArgs : EventArgs { public string Text { get; set; } = ""; }
        class MessageBus
        {
            public event EventHandler<MessageEventArgs>? MessageReceived;
            public event Action<string>? Published;
            public static event EventHandler? Shutdown;
            public IDisposable Subscribe(Action<string> handler) => null!;
            public IDisposable SubscribeTopic(string topic, Action<string> handler) => null!;
            public void Raise() { MessageReceived?.Invoke(this, new MessageEventArgs()); Published?.Invoke(""); Shutdown?.Invoke(null, EventArgs.Empty); }
        }

        """;

    public static TheoryData<string, string> Positive => new()
    {
        { "event += on a field, with a SessionId parameter", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(SessionId session) { {|SG2003:_bus.MessageReceived += OnMessage|}; }
                private void OnMessage(object? sender, MessageEventArgs e) { }
            }
            """ },
        { "event += lambda with a Session parameter", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(Session session) { {|SG2003:_bus.Published += text => Console.WriteLine(session.Id)|}; }
            }
            """ },
        { "static event", """
            class Handler
            {
                public void OnConnected(SessionId session) { {|SG2003:MessageBus.Shutdown += (s, e) => Console.WriteLine(session)|}; }
            }
            """ },
        { "own event through this", """
            class Handler
            {
                public event Action<string>? Changed;
                public void OnConnected(SessionId session) { {|SG2003:this.Changed += s => Console.WriteLine(session)|}; }
            }
            """ },
        { "Subscribe result dropped", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(SessionId session) { {|SG2003:_bus.Subscribe(m => Console.WriteLine(m))|}; }
            }
            """ },
        { "SubscribeTopic result discarded", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(SessionId session) { _ = {|SG2003:_bus.SubscribeTopic("t", m => { })|}; }
            }
            """ },
        { "CancellationToken.Register on an application-lifetime token", """
            class Handler
            {
                private readonly CancellationToken _stopping;
                public void OnConnected(Session session) { {|SG2003:_stopping.Register(() => Console.WriteLine(session.Id))|}; }
            }
            """ },
        { "registration kept in a local that is never disposed", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(SessionId session) { var sub = {|SG2003:_bus.Subscribe(m => { })|}; Console.WriteLine(sub); }
            }
            """ },
        { "session from a local", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(string raw)
                {
                    var session = new SessionId(raw);
                    {|SG2003:_bus.Published += s => Console.WriteLine(session)|};
                }
            }
            """ },
        { "session from an enclosing lambda parameter", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public Action<SessionId> Connect() => session => { {|SG2003:_bus.Published += s => Console.WriteLine(session)|}; };
            }
            """ },
        { "removed handler is a different method", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(SessionId session) { {|SG2003:_bus.MessageReceived += OnMessage|}; }
                public void OnDisconnected(SessionId session) { _bus.MessageReceived -= OnOther; }
                private void OnMessage(object? sender, MessageEventArgs e) { }
                private void OnOther(object? sender, MessageEventArgs e) { }
            }
            """ },
        { "removed from a different event", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(SessionId session) { {|SG2003:_bus.Published += OnPublished|}; }
                public void OnDisconnected(SessionId session) { MessageBus.Shutdown -= OnShutdown; }
                private void OnPublished(string s) { }
                private void OnShutdown(object? s, EventArgs e) { }
            }
            """ },
        { "lambda cannot be undone by a -= of another lambda", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(SessionId session) { {|SG2003:_bus.Published += s => Console.WriteLine(s)|}; }
                public void OnDisconnected(SessionId session) { _bus.Published -= s => Console.WriteLine(s); }
            }
            """ },
        { "property-reached bus", """
            class Handler
            {
                private MessageBus Bus { get; } = new();
                public void OnConnected(SessionId session) { {|SG2003:Bus.MessageReceived += (s, e) => { }|}; }
            }
            """ },
        { "static field bus", """
            class Handler
            {
                private static readonly MessageBus Shared = new();
                public static void OnConnected(Session session) { {|SG2003:Shared.Subscribe(m => { })|}; }
            }
            """ },
        { "in an async per-session method", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public async Task RunAsync(SessionId session)
                {
                    {|SG2003:_bus.Published += s => { }|};
                    await Task.Yield();
                }
            }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        { "undone with -= of the same method", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(SessionId session) { _bus.MessageReceived += OnMessage; }
                public void OnDisconnected(SessionId session) { _bus.MessageReceived -= OnMessage; }
                private void OnMessage(object? sender, MessageEventArgs e) { }
            }
            """ },
        { "handler in a local undone inside session.Own", """
            sealed class Undo : IDisposable { private readonly Action _a; public Undo(Action a) => _a = a; public void Dispose() => _a(); }
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(Session session)
                {
                    Action<string> handler = s => Console.WriteLine(session.Id);
                    _bus.Published += handler;
                    session.Own(new Undo(() => _bus.Published -= handler));
                }
            }
            """ },
        { "Subscribe result owned by the session", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(Session session) { session.Own(_bus.Subscribe(m => { })); }
            }
            """ },
        { "Subscribe result in a using", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public async Task RunAsync(SessionId session) { using var sub = _bus.Subscribe(m => { }); await Task.Delay(1); }
            }
            """ },
        { "Subscribe result disposed", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public void OnConnected(SessionId session) { var sub = _bus.Subscribe(m => { }); Console.WriteLine(); sub.Dispose(); }
            }
            """ },
        { "Subscribe result stored in a field", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                private IDisposable? _sub;
                public void OnConnected(SessionId session) { _sub = _bus.Subscribe(m => { }); }
            }
            """ },
        { "no session in scope (startup wiring)", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public Handler() { _bus.Published += s => { }; _bus.Subscribe(m => { }); }
            }
            """ },
        { "subscribing to the session's own token", """
            class Handler
            {
                public void OnConnected(Session session) { session.Ending.Register(() => Console.WriteLine(session.Id)); }
            }
            """ },
        { "subscribing to a per-session object passed in", """
            class Socket { public event Action<string>? Received; }
            class Handler
            {
                public void OnConnected(SessionId session, Socket socket) { socket.Received += s => Console.WriteLine(session); }
            }
            """ },
        { "subscribing to a locally created object", """
            class Handler
            {
                public void OnConnected(SessionId session) { var bus = new MessageBus(); bus.Published += s => { }; bus.Subscribe(m => { }); }
            }
            """ },
        { "registration on the call's cancellation token", """
            class Handler
            {
                public void OnConnected(SessionId session, CancellationToken ct) { ct.Register(() => Console.WriteLine(session)); }
            }
            """ },
        { "subscription returned to the caller", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                public IDisposable OnConnected(SessionId session) => _bus.Subscribe(m => { });
            }
            """ },
        { "handler in a field, undone elsewhere", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                private readonly Action<string> _onPublished = s => { };
                public void OnConnected(SessionId session) { _bus.Published += _onPublished; }
                public void OnDisconnected(SessionId session) { _bus.Published -= _onPublished; }
            }
            """ },
        { "Register that returns void is not a subscription", """
            class Registry { public void Register(string name) { } }
            class Handler
            {
                private readonly Registry _registry = new();
                public void OnConnected(SessionId session) { _registry.Register("x"); }
            }
            """ },
        { "subscription through the session's field chain", """
            class Handler
            {
                private readonly Session _session = null!;
                public void OnConnected(SessionId id) { _session.Ending.Register(() => { }); }
            }
            """ },
        { "registration handed to a list", """
            class Handler
            {
                private readonly MessageBus _bus = new();
                private readonly List<IDisposable> _subs = new();
                public void OnConnected(SessionId session) { _subs.Add(_bus.Subscribe(m => { })); }
            }
            """ },
    };

    protected override string Prelude => Bus;

    [Fact]
    public Task Messages_name_the_event_or_the_method() =>
        Verify.Analyzer<SubscriptionAccumulatesAnalyzer>(
            Sources.Wrap(Bus + """
                class Handler
                {
                    private readonly MessageBus _bus = new();
                    public void OnConnected(SessionId session) { {|#0:_bus.Published += s => { }|}; {|#1:_bus.Subscribe(s => { })|}; }
                }
                """),
            null,
            Verify.Diagnostic("SG2003").WithLocation(0).WithArguments("The subscription to 'MessageBus.Published'"),
            Verify.Diagnostic("SG2003").WithLocation(1).WithArguments("The registration returned by 'Subscribe'"));
}
