using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Glossary;
using SessionGuard.VoiceGateway.Load;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Recognition;
using SessionGuard.VoiceGateway.Server;
using SessionGuard.VoiceGateway.Translation;
using Spectre.Console;

namespace SessionGuard.VoiceGateway.Cli;

/// <summary>The servers of a run, one after the other under the same load, each with its progress shown.</summary>
internal static class GatewayRuns
{
    /// <summary>
    /// Runs each of <paramref name="modes"/> under <paramref name="load"/>. One server runs in this process; several run
    /// each in a process of its own (<see cref="ServerProcess"/>), so that each one's heap, buffer pools and thread pool
    /// start empty and its figures are its own.
    /// </summary>
    public static async Task<IReadOnlyList<GatewayRunResult>> RunAsync(IReadOnlyList<GatewayMode> modes, LoadOptions load, string tempRoot, IAnsiConsole console, bool bars)
    {
        ArgumentNullException.ThrowIfNull(modes);
        ArgumentNullException.ThrowIfNull(load);
        ArgumentException.ThrowIfNullOrEmpty(tempRoot);
        var runs = new List<GatewayRunResult>();
        foreach (GatewayMode mode in modes)
        {
            string name = mode.ToString().ToLowerInvariant();
            string folder = Directory.CreateDirectory(Path.Combine(tempRoot, name)).FullName;
            runs.Add(await RunProgress.ShowAsync(
                console,
                bars,
                name + " server",
                load.Sessions + load.StormClients,
                monitor => modes.Count > 1
                    ? ServerProcess.RunAsync(mode, load, monitor, folder)
                    : GatewayRun.RunAsync(mode, ServerOptions(folder), load, monitor)).ConfigureAwait(false));
        }

        return runs;
    }

    /// <summary>The load of <paramref name="command"/>: its clients, concurrency, storm and seconds; a stalled client gives up after 3 s.</summary>
    public static LoadOptions Load(GatewayCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new LoadOptions
        {
            Sessions = command.Sessions,
            Concurrency = command.Concurrency,
            StormClients = command.Storm,
            AudioPerSession = TimeSpan.FromSeconds(command.Seconds),
            StallLimit = TimeSpan.FromSeconds(3),
        };
    }

    /// <summary>The command's servers: a flaky translator (10 % fail, 10 % slow), a 200 ms timeout, 1 s idle and grace.</summary>
    public static GatewayServerOptions ServerOptions(string tempRoot) => new()
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
}
