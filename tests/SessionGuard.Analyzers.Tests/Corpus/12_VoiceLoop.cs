// A real-time voice loop: partial observation, overwritten tasks, and a conditional-access call on a socket that
// may be gone.
#nullable enable
using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace Voice.Loop;

public sealed class VoiceLoop
{
    private Stream? _socket;
    private Func<ReadOnlyMemory<byte>, Task>? _onAudio;

    public async Task RunAsync(Func<Task<byte[]>> receive, CancellationToken ct)
    {
        Task flush = Task.CompletedTask;
        while (!ct.IsCancellationRequested)
        {
            var frame = await receive();
            if (frame.Length == 0)
            {
                break;
            }

            // The previous flush is replaced before anyone awaited it.
            flush = {|SG1001:FlushAsync(frame)|};
        }

        await flush;
    }

    public async Task RunFixedAsync(Func<Task<byte[]>> receive, CancellationToken ct)
    {
        Task flush = Task.CompletedTask;
        while (!ct.IsCancellationRequested)
        {
            var frame = await receive();
            await flush;
            flush = FlushAsync(frame);
        }

        await flush;
    }

    public void OnFrame(byte[] frame)
    {
        {|SG1001:_socket?.WriteAsync(frame, 0, frame.Length)|};
        {|SG1001:_onAudio?.Invoke(frame)|};
    }

    public async Task OnFrameAsync(byte[] frame)
    {
        if (_socket is { } socket)
        {
            await socket.WriteAsync(frame, 0, frame.Length);
        }

        if (_onAudio is { } onAudio)
        {
            await onAudio(frame);
        }
    }

    public async Task<bool> TryStopAsync(CancellationTokenSource cts, Task loop)
    {
        {|SG1001:cts.CancelAsync()|};
        var stopped = await Task.WhenAny(loop, Task.Delay(2000)) == loop;
        return stopped;
    }

    private Task FlushAsync(byte[] frame) => _socket?.FlushAsync() ?? Task.CompletedTask;
}
