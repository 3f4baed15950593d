// A session handler written the SessionGuard way: nothing here may be reported.
#nullable enable
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SessionGuard;

namespace Chat.Good;

public sealed partial class ConversationState
{
    [SessionScoped]
    private readonly ConcurrentDictionary<SessionId, List<string>> _history = new();

    public void Add(SessionId session, string line) => _history.GetOrAdd(session, _ => new List<string>()).Add(line);
}

public sealed class SessionHandler
{
    private readonly ILogger _logger;
    private readonly Channel<string> _outbox = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<SessionId, Task> _running = new();
    private Task _writer = Task.CompletedTask;

    public SessionHandler(ILogger logger) => _logger = logger;

    public void OnOpened(Session session)
    {
        session.Run(ct => ReceiveLoopAsync(session.Id, ct), "receive");
        session.Run(async ct =>
        {
            await foreach (var line in _outbox.Reader.ReadAllAsync(ct))
            {
                await SendAsync(line, ct);
            }
        }, "send");
        _writer = WriteHeartbeatsAsync(session.Ending);
    }

    public Task OnClosedAsync() => _writer;

    public async Task BroadcastAsync(IEnumerable<string> lines, CancellationToken ct)
    {
        var sends = new List<Task>();
        foreach (var line in lines)
        {
            sends.Add(SendAsync(line, ct));
        }

        await Task.WhenAll(sends).ConfigureAwait(false);
    }

    public ValueTask QueueAsync(string line) => _outbox.Writer.WriteAsync(line);

    public void Notify(string line) => SendAsync(line, CancellationToken.None).Forget(_logger);

    public void Track(SessionId id, CancellationToken ct) => _running[id] = ReceiveLoopAsync(id, ct);

    public async Task UntrackAsync(SessionId id)
    {
        if (_running.TryRemove(id, out var task))
        {
            await task.ConfigureAwait(false);
        }
    }

    public int Blocking(string line)
    {
        SendAsync(line, CancellationToken.None).GetAwaiter().GetResult();
        return CountAsync().Result;
    }

    public async Task<int> Either(bool fast, CancellationToken ct)
    {
        Task<int> count = fast ? Task.FromResult(0) : CountAsync();
        if (count.IsCompletedSuccessfully)
        {
            return count.Result;
        }

        return await count;
    }

    public async Task Optional(bool send, CancellationToken ct)
    {
        Task? pending = null;
        if (send)
        {
            pending = SendAsync("hello", ct);
        }

        _logger.LogDebug("maybe sending");
        if (pending is not null)
        {
            await pending;
        }
    }

    public async Task Sequential(string[] lines, CancellationToken ct)
    {
        Task previous = Task.CompletedTask;
        foreach (var line in lines)
        {
            await previous;
            previous = SendAsync(line, ct);
        }

        await previous;
    }

    private async Task ReceiveLoopAsync(SessionId id, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    private static async Task WriteHeartbeatsAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15));
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
        }
    }

    private static Task SendAsync(string line, CancellationToken ct) => Task.Delay(1, ct);

    private static Task<int> CountAsync() => Task.FromResult(1);
}
