using SessionGuard.VoiceGateway.Glossary;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Recognition;
using SessionGuard.VoiceGateway.Translation;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>Pipelines the server tests run on.</summary>
internal static class TestPipelines
{
    /// <summary>A pipeline whose translator never fails or stalls, with its temp files under <paramref name="tempRoot"/>.</summary>
    public static PipelineOptions Reliable(string tempRoot) => new()
    {
        Recognizer = new HashSpeechRecognizer(),
        Translator = new FlakyTranslator(new FlakyTranslatorOptions { Seed = 5, FailureShare = 0, SlowShare = 0 }),
        Glossary = new GlossaryFeed(),
        TempRoot = tempRoot,
    };
}
