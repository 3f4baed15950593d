using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.Redis.Tests;

/// <content>Commands answered in more than one line (the soak's "run": "halfway", then "ran ...").</content>
internal sealed partial class NodeProcess
{
    /// <summary>Sends one command without waiting for its answer.</summary>
    public async Task SendAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Closes the node's input: it leaves the cluster (ending what it holds) and exits.</summary>
    public async Task LeaveAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"The test node did not leave within {Patience}.");
        }

        Assert.Equal(0, _process.ExitCode);
    }

    /// <summary>The next answer, which starts with <paramref name="answer"/>.</summary>
    public Task<string> NextReplyAsync(string answer) => ReplyAsync(answer);
}
