// docs/rules/SG1001.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG1001;

public sealed record ProxyMessage(string Text);

public interface IClientContext
{
    Task CloseAsync();
}

public sealed class Proxy(IClientContext _context, ILogger _logger)
{
    private readonly ConcurrentDictionary<string, Task> _tasks = new();
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _cancellations = new();

    public async Task HandleDisconnectAsync(string clientUid)
    {
        if (_tasks.TryRemove(clientUid, out var task))
        {
            await _cancellations[clientUid].CancelAsync();
            try { await task.WaitAsync(TimeSpan.FromSeconds(2)); }
            catch (OperationCanceledException) { }
            catch (TimeoutException) { }
        }

        await _context.CloseAsync();
    }

    public void OnMessage(Session session, ProxyMessage message) =>
        session.Run(ct => ForwardAsync(message, ct), "forward");   // the session cancels and awaits it at its end

    public void Notify(string line) =>
        SendAsync(line).Forget(_logger);                           // deliberate: faults are logged and observed

    private static Task ForwardAsync(ProxyMessage message, CancellationToken ct) => Task.Delay(0, ct);

    private static Task SendAsync(string line) => Task.CompletedTask;
}

// docs/rules/SG1001.md: Good, "Not reported" examples.
public static class NotReported
{
    public static async Task<bool> CompletesWithinAsync(Task work, TimeSpan timeout, CancellationToken ct)
    {
        var winner = await Task.WhenAny(work, Task.Delay(timeout, ct)).ConfigureAwait(false);
        await Task.WhenAny(work, Task.Delay(timeout, ct)).ConfigureAwait(ConfigureAwaitOptions.None);
        await Task.WhenAny(work, Task.Delay(timeout, ct)).WaitAsync(ct).ConfigureAwait(false);
        return winner == work;
    }

    public static void Detach(ConcurrentDictionary<string, ChannelReader<string>> inbound, string clientUid)
    {
        if (inbound.TryRemove(clientUid, out var reader))   // reader.Completion is the channel's, not this caller's
        {
            Console.WriteLine($"{clientUid} detached with {reader.Count} frames unread");
        }
    }
}
