// Modelled on a WebSocket service where subscriptions accumulated: each connection subscribed its message handler
// again (useEffect with the URL as dependency) and disconnect never removed the listeners.
#nullable enable
using System;
using System.Collections.Generic;
using System.Threading;
using SessionGuard;

namespace Chat.Realtime;

public sealed class MessageEventArgs : EventArgs
{
    public MessageEventArgs(string text) => Text = text;
    public string Text { get; }
}

public sealed class Subject<T>
{
    private readonly List<Action<T>> _observers = new();
    public int ObserverCount => _observers.Count;
    public IDisposable Subscribe(Action<T> observer)
    {
        _observers.Add(observer);
        return new Unsubscriber(() => _observers.Remove(observer));
    }

    private sealed class Unsubscriber(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}

public sealed class WebSocketService
{
    public event EventHandler<MessageEventArgs>? MessageReceived;
    public Subject<string> StateChanges { get; } = new();
    public void Raise(string text) => MessageReceived?.Invoke(this, new MessageEventArgs(text));
}

public sealed class WebSocketHandlerComponent
{
    private readonly WebSocketService _wsService;
    private readonly CancellationToken _applicationStopping;
    private readonly Dictionary<SessionId, IDisposable> _stateSubscriptions = new();

    public WebSocketHandlerComponent(WebSocketService wsService, CancellationToken applicationStopping)
    {
        _wsService = wsService;
        _applicationStopping = applicationStopping;
    }

    // Leaks: one handler and one state subscription per connection, never removed.
    public void OnConnected(SessionId session)
    {
        {|SG2003:_wsService.MessageReceived += OnMessage|};
        {|SG2003:_wsService.StateChanges.Subscribe(state => Console.WriteLine($"{session}: {state}"))|};
        {|SG2003:_applicationStopping.Register(() => Console.WriteLine($"closing {session}"))|};
    }

    // Correct: the subscription is undone when the session's connection closes.
    public void OnConnectedFixed(SessionId session)
    {
        _stateSubscriptions[session] = _wsService.StateChanges.Subscribe(state => Console.WriteLine(state));
    }

    public void OnDisconnected(SessionId session)
    {
        if (_stateSubscriptions.Remove(session, out var subscription))
        {
            subscription.Dispose();
        }
    }

    // Correct: the session owns the subscription.
    public void OnConnectedOwned(Session session)
    {
        session.Own(_wsService.StateChanges.Subscribe(state => Console.WriteLine(state)));
    }

    private void OnMessage(object? sender, MessageEventArgs e) => Console.WriteLine(e.Text);
}

public sealed class FixedHandlerComponent
{
    private readonly WebSocketService _wsService;

    public FixedHandlerComponent(WebSocketService wsService) => _wsService = wsService;

    public void OnConnected(SessionId session) => _wsService.MessageReceived += OnMessage;

    public void OnDisconnected(SessionId session) => _wsService.MessageReceived -= OnMessage;

    private void OnMessage(object? sender, MessageEventArgs e) => Console.WriteLine(e.Text);
}
