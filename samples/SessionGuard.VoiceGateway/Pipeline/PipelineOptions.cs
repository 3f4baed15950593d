using System;
using System.Collections.Generic;
using SessionGuard.VoiceGateway.Glossary;
using SessionGuard.VoiceGateway.Recognition;
using SessionGuard.VoiceGateway.Segmentation;
using SessionGuard.VoiceGateway.Translation;

namespace SessionGuard.VoiceGateway.Pipeline;

/// <summary>The services and settings both pipelines share.</summary>
internal sealed class PipelineOptions
{
    public required ISpeechRecognizer Recognizer { get; init; }

    public required ITranslator Translator { get; init; }

    public required GlossaryFeed Glossary { get; init; }

    /// <summary>Every transcript is translated into each of these.</summary>
    public IReadOnlyList<string> Languages { get; init; } = ["fr", "de"];

    /// <summary>How long the guarded pipeline waits for one translation. Default 2 s.</summary>
    public TimeSpan TranslationTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public SegmenterOptions Segmenter { get; init; } = new();

    /// <summary>Where the naive pipeline writes its WAV files (the guarded one uses the registry's temp folder). Default: the system temp path.</summary>
    public string? TempRoot { get; init; }
}
