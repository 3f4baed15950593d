// docs/rules/SG2003.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG2003;

public interface IWebSocketService
{
    IObservable<string> StateChanges { get; }

    event EventHandler<string>? MessageReceived;
}

public sealed class Presence(IWebSocketService _wsService)
{
    public void OnConnected(Session session)
    {
        session.Own(_wsService.StateChanges.Subscribe(state => Update(session.Id, state)));
        session.Ending.Register(() => Close(session.Id));                       // dies with the session
    }

    public void OnConnected(SessionId session) => _wsService.MessageReceived += OnMessage;
    public void OnDisconnected(SessionId session) => _wsService.MessageReceived -= OnMessage;

    private static void Update(SessionId session, string state)
    {
    }

    private static void Close(SessionId session)
    {
    }

    private void OnMessage(object? sender, string message)
    {
    }
}

internal static class ObservableExtensions
{
    public static IDisposable Subscribe<T>(this IObservable<T> source, Action<T> onNext) => source.Subscribe(new Observer<T>(onNext));

    private sealed class Observer<T>(Action<T> onNext) : IObserver<T>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(T value) => onNext(value);
    }
}
