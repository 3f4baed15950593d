// docs/rules/SG1005.md: Good.
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SessionGuard.Docs.Tests.Snippets.Rules.SG1005;

public sealed class Server(ILogger _logger)
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _monitor = Task.CompletedTask;

    public void Start() => _monitor = Task.Run(MonitorMemoryAsync);   // owned: StopAsync cancels and awaits it

    public async Task StopAsync()
    {
        _stopping.Cancel();
        try { await _monitor; }
        catch (OperationCanceledException) { }
    }

    private async Task MonitorMemoryAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMinutes(1), _stopping.Token);
            _logger.LogInformation("memory: {Bytes}", GC.GetTotalMemory(false));
        }
    }
}
