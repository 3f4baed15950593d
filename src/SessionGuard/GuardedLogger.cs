using System;
using Microsoft.Extensions.Logging;

namespace SessionGuard;

/// <summary>The registry's logger: forwards to the application's and swallows what its providers throw. Logging runs
/// in the middle of opening and tearing down sessions, and a logging provider that fails (a full disk, a closed
/// sink, a bug) must never change what those do: a teardown that stops half way leaks the very resources this
/// library exists to release, and an open that throws after publishing the session leaves an id the caller never
/// got. A message whose logging failed is lost; nothing else is.</summary>
internal sealed class GuardedLogger : ILogger
{
    private readonly ILogger _inner;

    public GuardedLogger(ILogger inner) => _inner = inner;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        try
        {
            return _inner.BeginScope(state);
        }
        catch (Exception)
        {
            return null;
        }
    }

    public bool IsEnabled(LogLevel logLevel)
    {
        try
        {
            return _inner.IsEnabled(logLevel);
        }
        catch (Exception)
        {
            return false;
        }
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            _inner.Log(logLevel, eventId, state, exception, formatter);
        }
        catch (Exception)
        {
            // See the class summary: logging must not change what the registry does.
        }
    }
}
