// docs/rules/SG1002.md: Good, and Not reported.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG1002;

public sealed class Monitor
{
    public async Task RestartAsync()
    {
        await StopAsync();
        Start();
    }

    private async void OnNetworkChanged(object? sender, EventArgs e) => await PingAllAsync();   // an event handler

    public void Watch(Action<EventHandler> subscribe) => subscribe(OnNetworkChanged);

    private static Task StopAsync() => Task.CompletedTask;

    private static void Start()
    {
    }

    private static Task PingAllAsync() => Task.CompletedTask;
}

public sealed class Reconnector(Func<CancellationToken, Task> connect, ILogger logger)
{
    private async void ReconnectLoop(CancellationToken token)   // not reported: every fault is caught and logged
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                await connect(token);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "reconnect failed");
            }
        }
    }

    public void Start(CancellationToken token) => ReconnectLoop(token);
}

public sealed class Pool(Func<Task<int>> open)
{
    private async void Acquire(object? state)   // not reported: the promise gets the outcome, fault included
    {
        var promise = state as TaskCompletionSource<int>;
        try
        {
            promise?.TrySetResult(await open());
        }
        catch (Exception e)
        {
            promise?.TrySetException(e);
        }
    }

    public void Start(TaskCompletionSource<int> promise) => ThreadPool.QueueUserWorkItem(Acquire, promise);
}
