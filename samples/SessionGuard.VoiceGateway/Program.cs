using System;
using System.IO;
using System.Threading.Tasks;
using SessionGuard;
using SessionGuard.VoiceGateway.Glossary;
using SessionGuard.VoiceGateway.Guarded;
using SessionGuard.VoiceGateway.Naive;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Recognition;
using SessionGuard.VoiceGateway.Soak;
using SessionGuard.VoiceGateway.Translation;

// The voice gateway's pipeline, run in process over synthesized speech: the naive version, then the guarded one,
// the same load, and what each left behind. The WebSocket servers (Server/) and the network load driver (Load/) run
// the same pipelines over loopback (LoopbackSoakTests); the command line that runs them here is not written yet.

var soak = new SoakOptions { Sessions = 100, Concurrency = 8 };
string tempRoot = Path.Combine(Path.GetTempPath(), "sessionguard-voicegateway-" + Environment.ProcessId);
Directory.CreateDirectory(tempRoot);
try
{
    Console.WriteLine($"{soak.Sessions} clients, {soak.Concurrency} at a time, {soak.AudioPerSession.TotalSeconds} s of speech each, every {soak.AbortEvery}th aborts; translations: fr, de (5 % fail, 5 % slow)");

    var naiveGlossary = new GlossaryFeed();
    await using (var naive = new NaivePipeline(Options(naiveGlossary, tempRoot)))
    {
        Console.WriteLine(await InProcessSoak.RunAsync(naive, naiveGlossary, soak));
    }

    var guardedGlossary = new GlossaryFeed();
    await using var registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = 1000, TempRoot = tempRoot });
    SoakResult guarded;
    await using (var pipeline = new GuardedPipeline(registry, Options(guardedGlossary, tempRoot)))
    {
        guarded = await InProcessSoak.RunAsync(pipeline, guardedGlossary, soak);
        Console.WriteLine(guarded);
    }

    return guarded.Residuals.IsClean ? 0 : 1;
}
finally
{
    Directory.Delete(tempRoot, recursive: true);
}

static PipelineOptions Options(GlossaryFeed glossary, string tempRoot) => new()
{
    Recognizer = new HashSpeechRecognizer(),
    // Slow calls take 3 s: the guarded pipeline gives up after 1 s; the naive one waits.
    Translator = new FlakyTranslator(new FlakyTranslatorOptions { FailureShare = 0.05, SlowShare = 0.05, SlowLatency = TimeSpan.FromSeconds(3) }),
    Glossary = glossary,
    TranslationTimeout = TimeSpan.FromSeconds(1),
    TempRoot = tempRoot,
};
