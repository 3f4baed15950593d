using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Load;
using SessionGuard.VoiceGateway.Server;

namespace SessionGuard.VoiceGateway.Cli;

/// <summary>
/// Runs one server and its load in a process of its own: this program again, with <c>--mode guarded</c> or
/// <c>--mode naive</c> and <c>--result FILE</c>. The managed heap, <c>ArrayPool&lt;byte&gt;.Shared</c>, Kestrel's
/// block pool and the thread pool are the process's, so a server that runs in the same process after another one
/// starts with what the first one left in them, and its figures are no longer its own. The child prints a
/// <c>progress N of T</c> line as clients finish (the parent's progress bar) and writes its result as JSON.
/// </summary>
internal static class ServerProcess
{
    private const string ProgressPrefix = "progress ";

    /// <summary>
    /// Starts the child for <paramref name="mode"/> under <paramref name="load"/>, moves <paramref name="monitor"/> on
    /// as its clients finish, and returns its result. Throws <see cref="InvalidOperationException"/> with the child's
    /// output when it ends without one.
    /// </summary>
    public static async Task<GatewayRunResult> RunAsync(GatewayMode mode, LoadOptions load, LoadMonitor monitor, string workFolder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentException.ThrowIfNullOrEmpty(workFolder);
        string resultFile = Path.Combine(workFolder, mode.ToString().ToLowerInvariant() + "-result.json");
        File.Delete(resultFile);
        ProcessStartInfo start = StartInfo(Arguments(mode, load, resultFile));
        using Process child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{start.FileName}'.");
        using CancellationTokenRegistration stop = cancellationToken.Register(() => child.Kill(entireProcessTree: true));
        Task<string> errors = child.StandardError.ReadToEndAsync(CancellationToken.None);
        var otherLines = new List<string>();
        while (await child.StandardOutput.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
        {
            if (TryParseProgress(line, out int done))
            {
                while (monitor.Completed < done)
                {
                    monitor.OnCompleted();
                }
            }
            else
            {
                otherLines.Add(line);
            }
        }

        await child.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        string errorText = await errors.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        // Exit code 1 is a guarded server that left something behind: a result all the same.
        if (child.ExitCode is not (0 or 1) || !File.Exists(resultFile))
        {
            throw new InvalidOperationException(
                $"The {mode.ToString().ToLowerInvariant()} server's process exited with code {child.ExitCode} without a result.{Environment.NewLine}{string.Join(Environment.NewLine, otherLines)}{Environment.NewLine}{errorText}");
        }

        return await RunResultFile.ReadAsync(resultFile, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The child's command line after the program: one server, the load's command-line options (the child builds the
    /// rest of the load as <see cref="GatewayRuns.Load"/> does), its result into <paramref name="resultFile"/>.
    /// </summary>
    internal static IReadOnlyList<string> Arguments(GatewayMode mode, LoadOptions load, string resultFile) =>
    [
        "--mode", mode.ToString().ToLowerInvariant(),
        "--sessions", load.Sessions.ToString(CultureInfo.InvariantCulture),
        "--concurrency", load.Concurrency.ToString(CultureInfo.InvariantCulture),
        "--storm", load.StormClients.ToString(CultureInfo.InvariantCulture),
        "--seconds", load.AudioPerSession.TotalSeconds.ToString("R", CultureInfo.InvariantCulture),
        "--result", resultFile,
    ];

    /// <summary>
    /// In the child: writes a progress line whenever more clients have finished, until <paramref name="run"/> ends,
    /// then the last one.
    /// </summary>
    public static async Task ReportProgressAsync(TextWriter output, LoadMonitor monitor, int total, Task run)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(run);
        int reported = -1;
        while (true)
        {
            bool finished = run.IsCompleted;
            int done = Math.Min(monitor.Completed, total);
            if (done != reported)
            {
                await output.WriteLineAsync(ProgressLine(done, total)).ConfigureAwait(false);
                await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                reported = done;
            }

            if (finished)
            {
                return;
            }

            await run.WaitAsync(TimeSpan.FromMilliseconds(100)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    internal static string ProgressLine(int done, int total) =>
        string.Create(CultureInfo.InvariantCulture, $"{ProgressPrefix}{done} of {total}");

    internal static bool TryParseProgress(string line, out int done)
    {
        done = 0;
        if (!line.StartsWith(ProgressPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        string[] parts = line[ProgressPrefix.Length..].Split(' ');
        return parts.Length == 3 && parts[1] == "of"
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out done);
    }

    /// <summary>This program on the running .NET: <c>dotnet exec &lt;this assembly&gt; ...</c>.</summary>
    private static ProcessStartInfo StartInfo(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(ServerProcess).Assembly.Location);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>The <c>dotnet</c> host of the runtime this process runs on (shared/Microsoft.NETCore.App/&lt;version&gt; is three levels below it).</summary>
    private static string DotnetHost()
    {
        string name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        string? runtime = Path.GetDirectoryName(typeof(object).Assembly.Location);
        string? root = runtime is null ? null : Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        string? host = root is null ? null : Path.Combine(root, name);
        return host is not null && File.Exists(host) ? host : name;
    }
}
