// Modelled on "proxy_message_queue: asyncio.create_task(self._forward_message(message, sender_id))": one
// unobserved task per proxied message.
#nullable enable
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SessionGuard;

namespace Chat.Proxy;

public sealed record ProxyMessage(string SenderId, string Payload);

public sealed class ProxyMessageQueue
{
    private readonly Channel<ProxyMessage> _queue = Channel.CreateBounded<ProxyMessage>(1000);
    private readonly ILogger _logger;
    private Task? _pump;

    public ProxyMessageQueue(ILogger logger) => _logger = logger;

    public void Start(CancellationToken ct) => _pump = PumpAsync(ct);

    public Task StopAsync() => _pump ?? Task.CompletedTask;

    // Bug: every message starts a task nobody keeps.
    public void Enqueue(ProxyMessage message)
    {
        {|SG1005:ForwardMessageAsync(message, message.SenderId)|};
    }

    public void EnqueueWithRun(ProxyMessage message)
    {
        _ = {|SG1005:Task.Run(() => ForwardMessageAsync(message, message.SenderId))|};
    }

    public void EnqueueToChannel(ProxyMessage message)
    {
        // ValueTask dropped: backpressure is lost and a full channel throws nowhere.
        {|SG1001:_queue.Writer.WriteAsync(message)|};
    }

    public void EnqueueSafely(ProxyMessage message)
    {
        if (!_queue.Writer.TryWrite(message))
        {
            _logger.LogWarning("proxy queue full, dropping message from {Sender}", message.SenderId);
        }
    }

    public void FanOut(IReadOnlyList<ProxyMessage> batch)
    {
        foreach (var message in batch)
        {
            var forward = {|SG1005:ForwardMessageAsync(message, message.SenderId)|};
            _logger.LogDebug("forwarding {Payload}", message.Payload);
        }
    }

    public async Task FanOutAndWaitAsync(IReadOnlyList<ProxyMessage> batch)
    {
        var sends = new List<Task>(batch.Count);
        foreach (var message in batch)
        {
            sends.Add(ForwardMessageAsync(message, message.SenderId));
        }

        await Task.WhenAll(sends);
    }

    public void FanOutForgotten(IReadOnlyList<ProxyMessage> batch)
    {
        var sends = new List<Task>(batch.Count);
        foreach (var message in batch)
        {
            sends.Add({|SG1005:ForwardMessageAsync(message, message.SenderId)|});
        }

        _logger.LogDebug("started {Count} forwards", sends.Count);
    }

    public void FanOutLogged(IReadOnlyList<ProxyMessage> batch)
    {
        foreach (var message in batch)
        {
            ForwardMessageAsync(message, message.SenderId).Forget(_logger);
        }
    }

    private async Task PumpAsync(CancellationToken ct)
    {
        await foreach (var message in _queue.Reader.ReadAllAsync(ct))
        {
            await ForwardMessageAsync(message, message.SenderId);
        }
    }

    private static Task ForwardMessageAsync(ProxyMessage message, string senderId) => Task.Delay(1);
}
