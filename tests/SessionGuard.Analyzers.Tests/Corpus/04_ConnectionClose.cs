// Modelled on a voice-assistant connection fix: "save_task = asyncio.create_task(...)" was started on close and
// never awaited; memory was saved from a thread with its own event loop.
#nullable enable
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SessionGuard;

namespace Voice.Core;

public interface IMemory
{
    Task SaveMemoryAsync(string dialogue);
}

public sealed class Connection
{
    private readonly IMemory _memory;
    private readonly ILogger _logger;
    private string _dialogue = "";

    public Connection(IMemory memory, ILogger logger)
    {
        _memory = memory;
        _logger = logger;
    }

    // "Fixed" version from the post-mortem: still fire-and-forget.
    public async Task SaveAndCloseAsync(Stream ws)
    {
        var saveTask = {|SG1001:SaveMemoryBackgroundAsync()|};
        _logger.LogInformation("started background memory save");
        await CloseAsync(ws);
    }

    // The original: a thread with a blocking loop; the lambda is async void.
    public void SaveOnThread()
    {
        var thread = new Thread({|SG1003:async|} () => await _memory.SaveMemoryAsync(_dialogue)) { IsBackground = true };
        thread.Start();
    }

    // The session owns it: cancelled and awaited when the session ends.
    public Task SaveAndCloseAsync(Session session, Stream ws)
    {
        session.Run(ct => SaveMemoryBackgroundAsync(), "save-memory");
        return CloseAsync(ws);
    }

    // Or save first, then close: nothing left behind.
    public async Task SaveThenCloseAsync(Stream ws)
    {
        await SaveMemoryBackgroundAsync();
        await CloseAsync(ws);
    }

    public void Append(string text) => _dialogue += text;

    private Task SaveMemoryBackgroundAsync() => _memory.SaveMemoryAsync(_dialogue);

    private static Task CloseAsync(Stream ws) => ws.DisposeAsync().AsTask();
}

public abstract class Stream : IAsyncDisposable
{
    public abstract ValueTask DisposeAsync();
}
