using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Threading.Tasks;
using SessionGuard.Package.Tests;

namespace SessionGuard.Analyzers.RealWorld;

/// <summary>Runs git and dotnet as a user would, outside the MSBuild environment of the test host.</summary>
public static class Processes
{
    /// <summary>The exit code and the interleaved standard output and error.</summary>
    public sealed record Result(int ExitCode, string Output);

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="arguments"/>. A hang guard (not a timing assertion) kills the
    /// process tree after <paramref name="limit"/>.
    /// </summary>
    public static async Task<Result> RunAsync(string file, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan limit)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        ChildProcessEnvironment.Clean(start);
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(limit)) != exited)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in {limit.TotalMinutes} minutes");
        }

        output.Append(await stdout).Append(await stderr);
        return new Result(process.ExitCode, output.ToString());
    }
}
