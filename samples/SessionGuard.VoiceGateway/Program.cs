using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
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
string tempRoot = Path.Combine(Path.GetTempPath(), "sessionguard-voicegateway-" + Environment.ProcessId);
Directory.CreateDirectory(tempRoot);
try
{
    var runs = new List<GatewayRunResult>();
    foreach (var mode in modes)
    {
        string folder = Directory.CreateDirectory(Path.Combine(tempRoot, mode.ToString().ToLowerInvariant())).FullName;
        var result = await AnsiConsole.Status().StartAsync(
            $"{mode.ToString().ToLowerInvariant()} server under load...",
            _ => GatewayRun.RunAsync(mode, ServerOptions(folder), load));
        AnsiConsole.MarkupLine($"{mode.ToString().ToLowerInvariant()}: done, {result.Load.Total} clients served.");
        runs.Add(result);
    }

    AnsiConsole.Write(ComparisonTable.Build(runs));
    var guarded = runs.Find(r => r.Mode == GatewayMode.Guarded);
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
