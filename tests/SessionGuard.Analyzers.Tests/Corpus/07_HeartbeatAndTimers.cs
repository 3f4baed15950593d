// Modelled on heartbeat and periodic clean-up code of a real-time server: timers with async callbacks, async void
// helpers, and a per-session ping loop.
#nullable enable
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace Chat.Heartbeat;

public sealed class HeartbeatService : IDisposable
{
    private readonly Timer _timer;
    private readonly Timer _cleanupTimer;
    private readonly PeriodicTimer _periodic = new(TimeSpan.FromSeconds(30));
    private Task? _loop;

    public HeartbeatService()
    {
        _timer = new Timer({|SG1003:async|} _ => await PingAllAsync(), null, TimeSpan.Zero, TimeSpan.FromSeconds(15));
        _cleanupTimer = new Timer(_ => {|SG1005:CleanupAsync()|}, null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public void Start(CancellationToken ct) => _loop = RunAsync(ct);

    public async Task StopAsync()
    {
        _periodic.Dispose();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    public async void {|SG1002:Restart|}()
    {
        await StopAsync();
        Start(CancellationToken.None);
    }

    public async void OnNetworkChanged(object? sender, EventArgs e) => await PingAllAsync();

    public void PingEach(List<SessionId> sessions)
    {
        sessions.ForEach({|SG1003:async|} s => await PingAsync(s));
        Parallel.ForEach(sessions, s => {|SG1005:PingAsync(s)|});
    }

    public Task PingEachProperly(List<SessionId> sessions) =>
        Parallel.ForEachAsync(sessions, async (s, ct) => await PingAsync(s));

    public void Dispose()
    {
        _timer.Dispose();
        _cleanupTimer.Dispose();
        {|SG1001:_periodic.WaitForNextTickAsync()|};
    }

    private async Task RunAsync(CancellationToken ct)
    {
        while (await _periodic.WaitForNextTickAsync(ct))
        {
            await PingAllAsync();
        }
    }

    private static Task PingAllAsync() => Task.CompletedTask;

    private static Task PingAsync(SessionId session) => Task.CompletedTask;

    private static Task CleanupAsync() => Task.CompletedTask;
}
