// Modelled on "asyncio.create_task(monitor_memory())" at start-up and background loops started from constructors.
#nullable enable
using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SessionGuard;

namespace Chat.Hosting;

public sealed class Server
{
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task _monitor = Task.CompletedTask;

    public Server(ILogger logger)
    {
        _logger = logger;
        {|SG1005:Task.Run(MonitorMemoryAsync)|};
        {|SG1005:Task.Factory.StartNew(() => MonitorMemoryAsync(), TaskCreationOptions.LongRunning)|};
    }

    public void StartLongRunning()
    {
        // Task<Task> stored as Task: StopAsync would wait for the first await of the loop only.
        _monitor = {|SG1005:Task.Factory.StartNew(async () => await MonitorMemoryAsync(), TaskCreationOptions.LongRunning)|};
    }

    public void StartLongRunningFixed()
    {
        _monitor = Task.Factory.StartNew(async () => await MonitorMemoryAsync(), TaskCreationOptions.LongRunning).Unwrap();
    }

    public void Start()
    {
        _monitor = Task.Run(MonitorMemoryAsync);
        Task.Run(MonitorMemoryAsync).Forget(_logger);
    }

    public async Task StopAsync()
    {
        _stopping.Cancel();
        await _monitor;
    }

    public async Task StartNestedAsync()
    {
        // StartNew with an async lambda returns Task<Task>: awaiting it waits only for the first await inside.
        {|SG1005:await Task.Factory.StartNew(async () => await MonitorMemoryAsync())|};
        await Task.Factory.StartNew(async () => await MonitorMemoryAsync()).Unwrap();
        await Task.Run(async () => await MonitorMemoryAsync());
    }

    private async Task MonitorMemoryAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMinutes(1), _stopping.Token).ConfigureAwait(false);
            _logger.LogInformation("memory: {Bytes}", Process.GetCurrentProcess().WorkingSet64);
        }
    }
}
