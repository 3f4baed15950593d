using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Cli;
using SessionGuard.VoiceGateway.Load;
using SessionGuard.VoiceGateway.Server;
using Spectre.Console;

// The voice gateway on Kestrel over loopback, written twice: the naive way the post-mortems' servers were, and with
// SessionGuard. ClientWebSocket clients stream synthesized speech and leave in every way a network allows; then the
// table shows what each server left behind. No speech model is loaded: recognition is a deterministic stand-in.

GatewayCommand command;
try
{
    command = GatewayCommand.Parse(args);
}
catch (FormatException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

if (command.Help)
{
    Console.WriteLine(GatewayCommand.Usage);
    return 0;
}

string tempRoot = Path.Combine(Path.GetTempPath(), "sessionguard-voicegateway-" + Environment.ProcessId);
Directory.CreateDirectory(tempRoot);
try
{
    if (command.Serve)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true; // stop the server cleanly instead of killing the process
            stop.Cancel();
        };
        var mode = command.Mode == RunMode.Naive ? GatewayMode.Naive : GatewayMode.Guarded;
        await ServeCommand.RunAsync(mode, GatewayRuns.ServerOptions(tempRoot), Console.Out, stop.Token);
        return 0;
    }

    LoadOptions load = GatewayRuns.Load(command);
    int total = load.Sessions + load.StormClients;
    if (command.Result is { } resultFile)
    {
        // One server of the comparison, in its own process: progress lines for the parent, the result as JSON.
        var mode = command.Mode == RunMode.Naive ? GatewayMode.Naive : GatewayMode.Guarded;
        string folder = Directory.CreateDirectory(Path.Combine(tempRoot, mode.ToString().ToLowerInvariant())).FullName;
        var monitor = new LoadMonitor();
        Task<GatewayRunResult> run = GatewayRun.RunAsync(mode, GatewayRuns.ServerOptions(folder), load, monitor);
        await ServerProcess.ReportProgressAsync(Console.Out, monitor, total, run);
        GatewayRunResult result = await run;
        await RunResultFile.WriteAsync(resultFile, result);
        return ExitCode(result);
    }

    var modes = command.Mode switch
    {
        RunMode.Guarded => new[] { GatewayMode.Guarded },
        RunMode.Naive => new[] { GatewayMode.Naive },
        _ => new[] { GatewayMode.Naive, GatewayMode.Guarded },
    };

    AnsiConsole.MarkupLine($"[bold]{load.Sessions}[/] clients, {load.Concurrency} at a time, then a reconnect storm of {load.StormClients}; {load.AudioPerSession.TotalSeconds:0.##} s of speech each; translations fail 10 % and are slow 10 % of the time.");
    if (modes.Length > 1)
    {
        AnsiConsole.MarkupLine("Each server runs in a process of its own: its heap, buffer pools and thread pool start empty.");
    }

    var runs = await GatewayRuns.RunAsync(modes, load, tempRoot, AnsiConsole.Console, RunProgress.CanShowBars);
    AnsiConsole.Write(ComparisonTable.Build(runs));
    var guarded = runs.FirstOrDefault(r => r.Mode == GatewayMode.Guarded);
    if (guarded is not null)
    {
        AnsiConsole.MarkupLine("[bold]The guarded server's goals[/]");
        foreach (var goal in GuardedGoals.Evaluate(guarded))
        {
            AnsiConsole.MarkupLine($"  {(goal.Met ? "[green]met[/]   " : "[red]missed[/]")} {Markup.Escape(goal.Name)}: {Markup.Escape(goal.Measured)}");
        }
    }

    if (command.Report is { } reportDirectory)
    {
        var (json, chart) = await RunReport.WriteAsync(reportDirectory, load, runs);
        AnsiConsole.MarkupLine($"Report: {Markup.Escape(json)} and {Markup.Escape(chart)}");
    }

    return guarded is null ? 0 : ExitCode(guarded);
}
finally
{
    Directory.Delete(tempRoot, recursive: true);
}

// 0 unless the guarded server left something behind.
static int ExitCode(GatewayRunResult run) =>
    run.Mode == GatewayMode.Naive || (run.Residuals.IsClean && run.OpenSockets == 0 && run.RunningTasks == 0) ? 0 : 1;
