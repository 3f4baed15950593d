// Modelled on a WebSocket chat backend post-mortem: the page was opened and closed many times and replies got
// slower. handle_disconnect cancelled the conversation task but never waited for it, and several per-client maps
// were cleaned nowhere.
#nullable enable
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace Chat.Backend;

public sealed class ServiceContext : IAsyncDisposable
{
    public ValueTask DisposeAsync() => default;
    public Task CloseAsync() => Task.CompletedTask;
}

public sealed class WebSocketHandler
{
    private readonly ConcurrentDictionary<string, Task> _currentConversationTasks = new();
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _cancellations = new();
    private readonly ConcurrentDictionary<string, ServiceContext> _clientContexts = new();
    private readonly ConcurrentDictionary<string, List<byte[]>> {|SG2001:_receivedDataBuffers|} = new();
    private readonly Dictionary<string, DateTime> {|SG2001:_lastHeartbeat|} = new();

    public void OnAudio(string client_uid, byte[] chunk)
    {
        _receivedDataBuffers.GetOrAdd(client_uid, _ => new List<byte[]>()).Add(chunk);
    }

    public void OnHeartbeat(string client_uid)
    {
        lock (_lastHeartbeat)
        {
            _lastHeartbeat[client_uid] = DateTime.UtcNow;
        }
    }

    public void StartConversation(string clientUid, string text)
    {
        var cts = new CancellationTokenSource();
        _cancellations[clientUid] = cts;
        _currentConversationTasks[clientUid] = ConverseAsync(clientUid, text, cts.Token);
    }

    // Before the fix: cancel, never wait; the context is closed without awaiting it.
    public void HandleDisconnect(string clientUid)
    {
        if (_cancellations.TryRemove(clientUid, out var cts))
        {
            cts.Cancel();
        }

        if ({|SG1001:_currentConversationTasks.TryRemove(clientUid, out var task)|})
        {
            Console.WriteLine($"cancelled conversation {task.Id} for {clientUid}");
        }

        if (_clientContexts.TryRemove(clientUid, out var context))
        {
            {|SG1005:context.CloseAsync()|};
        }
    }

    // After the fix: cancel, then wait (bounded) for the task to finish.
    public async Task HandleDisconnectAsync(string clientUid)
    {
        if (_cancellations.TryRemove(clientUid, out var cts))
        {
            await cts.CancelAsync();
            cts.Dispose();
        }

        if (_currentConversationTasks.TryRemove(clientUid, out var task) && !task.IsCompleted)
        {
            try
            {
                await task.WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (OperationCanceledException)
            {
            }
            catch (TimeoutException)
            {
            }
        }

        if (_clientContexts.TryRemove(clientUid, out var context))
        {
            await context.CloseAsync();
        }
    }

    // The same handler with one map of (token source, task) entries.
    private readonly ConcurrentDictionary<string, (CancellationTokenSource Cts, Task Task)> _conversations = new();

    public void StartConversationEntry(string clientUid, string text)
    {
        var cts = new CancellationTokenSource();
        _conversations[clientUid] = (cts, ConverseAsync(clientUid, text, cts.Token));
    }

    public void HandleDisconnectEntry(string clientUid)
    {
        if ({|SG1001:_conversations.TryRemove(clientUid, out var entry)|})
        {
            entry.Cts.Cancel();
        }
    }

    public async Task HandleDisconnectEntryAsync(string clientUid)
    {
        if (_conversations.TryRemove(clientUid, out var entry))
        {
            entry.Cts.Cancel();
            try
            {
                await entry.Task.WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (OperationCanceledException)
            {
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private static async Task ConverseAsync(string clientUid, string text, CancellationToken ct)
    {
        await Task.Delay(10, ct);
        Console.WriteLine(clientUid + text);
    }
}
