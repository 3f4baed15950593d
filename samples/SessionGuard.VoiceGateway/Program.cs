using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using SessionGuard.VoiceGateway.Cli;
using SessionGuard.VoiceGateway.Glossary;
using SessionGuard.VoiceGateway.Load;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Recognition;
using SessionGuard.VoiceGateway.Server;
using SessionGuard.VoiceGateway.Translation;
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
        await ServeCommand.RunAsync(mode, ServerOptions(tempRoot), Console.Out, stop.Token);
        return 0;
    }

    var load = new LoadOptions
    {
        Sessions = command.Sessions,
        Concurrency = command.Concurrency,
        StormClients = command.Storm,
        AudioPerSession = TimeSpan.FromSeconds(command.Seconds),
        StallLimit = TimeSpan.FromSeconds(3),
    };
    var modes = command.Mode switch
    {
        RunMode.Guarded => new[] { GatewayMode.Guarded },
        RunMode.Naive => new[] { GatewayMode.Naive },
        _ => new[] { GatewayMode.Naive, GatewayMode.Guarded },
    };

    AnsiConsole.MarkupLine($"[bold]{load.Sessions}[/] clients, {load.Concurrency} at a time, then a reconnect storm of {load.StormClients}; {load.AudioPerSession.TotalSeconds:0.##} s of speech each; translations fail 10 % and are slow 10 % of the time.");
    var runs = new List<GatewayRunResult>();
    foreach (var mode in modes)
    {
        string name = mode.ToString().ToLowerInvariant();
        string folder = Directory.CreateDirectory(Path.Combine(tempRoot, name)).FullName;
        runs.Add(await RunProgress.ShowAsync(
            AnsiConsole.Console,
            RunProgress.CanShowBars,
            name + " server",
            load.Sessions + load.StormClients,
            monitor => GatewayRun.RunAsync(mode, ServerOptions(folder), load, monitor)));
    }

    AnsiConsole.Write(ComparisonTable.Build(runs));
    var guarded = runs.Find(r => r.Mode == GatewayMode.Guarded);
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

    return guarded is null || (guarded.Residuals.IsClean && guarded.OpenSockets == 0 && guarded.RunningTasks == 0) ? 0 : 1;
}
finally
{
    Directory.Delete(tempRoot, recursive: true);
}

static GatewayServerOptions ServerOptions(string tempRoot) => new()
{
    Pipeline = new PipelineOptions
    {
        Recognizer = new HashSpeechRecognizer(),
        // Slow calls take 300 ms: the guarded pipeline gives up after 200 ms; the naive one waits them out.
        Translator = new FlakyTranslator(new FlakyTranslatorOptions { Seed = 5, FailureShare = 0.1, SlowShare = 0.1, SlowLatency = TimeSpan.FromMilliseconds(300) }),
        Glossary = new GlossaryFeed(),
        TranslationTimeout = TimeSpan.FromMilliseconds(200),
        TempRoot = tempRoot,
    },
    TempRoot = tempRoot,
    IdleTimeout = TimeSpan.FromSeconds(1),
    ReconnectGrace = TimeSpan.FromSeconds(1),
};
