using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace SessionGuard.Redis.Tests;

/// <summary>
/// A cluster node in a process of its own (SessionGuard.Redis.TestNode): killed with SIGKILL, frozen with SIGSTOP, as a
/// crash or a partition does to a real node, not a polite dispose.
/// </summary>
internal sealed partial class NodeProcess : IAsyncDisposable
{
    private const int SigKill = 9;
    private const int SigCont = 18;
    private const int SigStop = 19;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Channel<string> _replies = Channel.CreateUnbounded<string>();
    private readonly Channel<string> _ends = Channel.CreateUnbounded<string>();
    private readonly Task _reading;

    private NodeProcess(Process process)
    {
        _process = process;
        _reading = ReadAsync();
    }

    public int Id => _process.Id;

    /// <summary>
    /// Starts a node named <paramref name="node"/> that opens <paramref name="sessions"/> sessions, each owning a key;
    /// <paramref name="options"/> are the test node's optional arguments ("quiet", "operationTimeoutMs=N").
    /// </summary>
    public static async Task<(NodeProcess Node, long Fence)> StartAsync(RedisServer server, string prefix, string node, int sessions, TimeSpan heartbeat, TimeSpan timeout, params string[] options)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "exec", TestNodePath(), server.Configuration, prefix, node, sessions.ToString(System.Globalization.CultureInfo.InvariantCulture), ((int)heartbeat.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), ((int)timeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string option in options)
        {
            start.ArgumentList.Add(option);
        }

        foreach (string name in new[] { "MSBUILDNOINPROCNODE", "VSTEST_HOST_DEBUG", "DOTNET_HOST_PATH" })
        {
            start.Environment.Remove(name);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the test node");
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[{node}] {e.Data}"); };
        process.BeginErrorReadLine();
        var running = new NodeProcess(process);
        string ready = await running.ReplyAsync("ready");
        return (running, long.Parse(ready.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Sends one command and returns its one-line answer, which starts with <paramref name="answer"/>.</summary>
    public async Task<string> AskAsync(string command, string answer)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return await ReplyAsync(answer);
    }

    /// <summary>The next session end the node reports, as "ID REASON".</summary>
    public async Task<string> NextEndAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            return await _ends.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"The test node reported no further session end within {Patience}.");
        }
    }

    /// <summary>SIGKILL: the process dies at once, its heartbeat unrenewed, nothing cleaned up.</summary>
    public async Task KillAsync()
    {
        Signal(SigKill);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGSTOP: the process freezes (no renewal, no reads) with its connection open, as in a partition.</summary>
    public void Freeze() => Signal(SigStop);

    /// <summary>SIGCONT: the frozen process runs on and finds what happened meanwhile.</summary>
    public void Thaw() => Signal(SigCont);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal(SigCont);
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _reading;
        _process.Dispose();
    }

    private void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private async Task<string> ReplyAsync(string answer)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            string line = await _replies.Reader.ReadAsync(timeout.Token);
            Assert.StartsWith(answer, line, StringComparison.Ordinal);
            return line;
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"The test node did not answer '{answer}' within {Patience}.");
        }
        catch (ChannelClosedException)
        {
            throw new Xunit.Sdk.XunitException($"The test node exited (code {(_process.HasExited ? _process.ExitCode : -1)}) instead of answering '{answer}'.");
        }
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("end ", StringComparison.Ordinal))
            {
                _ends.Writer.TryWrite(line[4..]);
            }
            else
            {
                _replies.Writer.TryWrite(line);
            }
        }

        _replies.Writer.TryComplete();
        _ends.Writer.TryComplete();
    }

    private static string TestNodePath()
    {
        // tests/SessionGuard.Redis.Tests/bin/CONFIGURATION/TFM/ -> tests/SessionGuard.Redis.TestNode/bin/CONFIGURATION/TFM/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = output.Name;
        string configuration = output.Parent!.Name;
        string tests = output.Parent!.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(tests, "SessionGuard.Redis.TestNode", "bin", configuration, tfm, "SessionGuard.Redis.TestNode.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("The test node was not built (SessionGuard.Redis.Tests references it).", path);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
