// docs/rules/SG1002.md: Good.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using SessionGuard;
using System.Threading.Tasks;

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
