using System;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Glossary;
using SessionGuard.VoiceGateway.Guarded;
using SessionGuard.VoiceGateway.Naive;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Recognition;
using SessionGuard.VoiceGateway.Soak;
using SessionGuard.VoiceGateway.Translation;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>
/// 200 sessions in process (no network) through each pipeline: open, stream audio, segment, recognize, translate
/// (some calls fail, some hang or lag), dedup, send, then close or abort. The guarded pipeline must leave nothing;
/// the naive one must leak, or the comparison proves nothing.
/// </summary>
public sealed class PipelineSoakTests : IDisposable
{
    private static readonly SoakOptions Load = new() { Sessions = 200, Concurrency = 8 };
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_guarded_pipeline_leaves_no_entry_temp_file_pending_operation_or_subscription()
    {
        var glossary = new GlossaryFeed();
        // Slow calls hang until cancelled: only the pipeline's timeout ends them.
        var translator = new FlakyTranslator(new FlakyTranslatorOptions { Seed = 3, FailureShare = 0.1, SlowShare = 0.1, SlowLatency = Timeout.InfiniteTimeSpan });
        await using var registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = 1000, TempRoot = _temp.Path });
        await using var pipeline = new GuardedPipeline(registry, Options(glossary, translator));

        SoakResult result = await InProcessSoak.RunAsync(pipeline, glossary, Load);

        Assert.True(result.Settled, result.ToString());
        Assert.Equal((160, 40), (result.Closed, result.Aborted));
        Assert.True(result.Counters.Utterances >= 200, result.ToString());
        Assert.True(result.Counters.TranslationsFailed > 0 && result.Counters.TranslationsTimedOut > 0 && result.Counters.Sent > 0, result.ToString());
        Assert.Equal(new GatewayResiduals(Connections: 0, MapEntries: 0, PendingOperations: 0, TempFiles: 0, Subscriptions: 0), result.Residuals);
        Assert.True(registry.CheckResiduals().IsClean);
    }

    [Fact]
    public async Task The_naive_pipeline_leaks_entries_temp_files_pending_translations_and_subscriptions()
    {
        var glossary = new GlossaryFeed();
        // The naive pipeline has no timeout: a slow call runs its whole latency.
        var translator = new FlakyTranslator(new FlakyTranslatorOptions { Seed = 3, FailureShare = 0.1, SlowShare = 0.1, SlowLatency = TimeSpan.FromMilliseconds(200) });
        await using var pipeline = new NaivePipeline(Options(glossary, translator));

        SoakResult result = await InProcessSoak.RunAsync(pipeline, glossary, Load);

        Assert.True(result.Settled, result.ToString());
        Assert.True(result.Counters.TranslationsFailed > 0, result.ToString());
        GatewayResiduals left = result.Residuals;
        Assert.Equal(40, left.Connections);               // the aborted ones: their handler never reached its cleanup
        Assert.True(left.MapEntries > 200, left.ToString()); // a last text per client at least, never removed
        Assert.True(left.TempFiles > 0, left.ToString());    // one per utterance whose translation failed
        Assert.Equal(result.Counters.TranslationsFailed, left.PendingOperations);
        Assert.Equal(200, left.Subscriptions);
    }

    [Fact]
    public async Task A_guarded_session_aborted_while_its_translation_hangs_cancels_it_and_releases_everything()
    {
        var glossary = new GlossaryFeed();
        var translator = new FlakyTranslator(new FlakyTranslatorOptions { SlowShare = 1, FailureShare = 0, SlowLatency = Timeout.InfiniteTimeSpan });
        await using var registry = new SessionRegistry(new SessionRegistryOptions { TempRoot = _temp.Path });
        await using var pipeline = new GuardedPipeline(registry, Options(glossary, translator, TimeSpan.FromHours(1)));
        IGatewayConnection connection = pipeline.Connect("caller", static (_, _) => default);

        await StreamAsync(connection, TimeSpan.FromSeconds(9)); // one cut: one utterance goes to translation
        await Wait.UntilAsync(() => translator.InFlight == 1, "the translation hangs");
        Assert.Equal(new GatewayResiduals(Connections: 1, MapEntries: 1, PendingOperations: 1, TempFiles: 1, Subscriptions: 1), pipeline.MeasureResiduals());

        await connection.AbortAsync();

        Assert.Equal(new GatewayResiduals(0, 0, 0, 0, 0), pipeline.MeasureResiduals());
        await Wait.UntilAsync(() => translator.InFlight == 0, "the hung call is cancelled");
        Assert.Equal(1, translator.Cancelled);
    }

    [Fact]
    public async Task Closing_a_guarded_connection_whose_session_already_ended_completes_and_leaves_nothing()
    {
        var glossary = new GlossaryFeed();
        var translator = new FlakyTranslator(new FlakyTranslatorOptions { SlowShare = 1, FailureShare = 0, SlowLatency = Timeout.InfiniteTimeSpan });
        await using var registry = new SessionRegistry(new SessionRegistryOptions { TempRoot = _temp.Path });
        await using var pipeline = new GuardedPipeline(registry, Options(glossary, translator, TimeSpan.FromHours(1)));
        IGatewayConnection connection = pipeline.Connect("caller", static (_, _) => default);
        await StreamAsync(connection, TimeSpan.FromSeconds(9));
        await Wait.UntilAsync(() => translator.InFlight == 1, "the translation hangs");

        await registry.EndAsync(SessionId.Parse("caller"), SessionEndReason.IdleExpired); // ended by the server, not the client
        await connection.CloseAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new GatewayResiduals(0, 0, 0, 0, 0), pipeline.MeasureResiduals());
    }

    [Fact]
    public async Task A_naive_connection_aborted_while_its_translation_hangs_leaves_everything_behind()
    {
        var glossary = new GlossaryFeed();
        var translator = new FlakyTranslator(new FlakyTranslatorOptions { SlowShare = 1, FailureShare = 0, SlowLatency = TimeSpan.FromHours(1) });
        await using var pipeline = new NaivePipeline(Options(glossary, translator));
        IGatewayConnection connection = pipeline.Connect("caller", static (_, _) => default);

        await StreamAsync(connection, TimeSpan.FromSeconds(9));
        await Wait.UntilAsync(() => translator.InFlight == 1, "the translation hangs");
        await connection.AbortAsync();

        // The connection and its audio list, the last text, the pending call, the WAV and the handler all stay.
        Assert.Equal(new GatewayResiduals(Connections: 1, MapEntries: 2, PendingOperations: 1, TempFiles: 1, Subscriptions: 1), pipeline.MeasureResiduals());
        Assert.Equal(1, translator.InFlight);
    }

    private static async Task StreamAsync(IGatewayConnection connection, TimeSpan duration)
    {
        byte[] pcm = Audio.SpeechSynthesizer.Generate(11, duration);
        for (int offset = 0; offset < pcm.Length; offset += Audio.PcmFormat.FrameBytes)
        {
            await connection.WriteAsync(pcm.AsMemory(offset, Audio.PcmFormat.FrameBytes), CancellationToken.None);
        }
    }

    private PipelineOptions Options(GlossaryFeed glossary, ITranslator translator, TimeSpan? timeout = null) => new()
    {
        Recognizer = new HashSpeechRecognizer(),
        Translator = translator,
        Glossary = glossary,
        TranslationTimeout = timeout ?? TimeSpan.FromMilliseconds(500), // ample for a normal call, even on a loaded machine
        TempRoot = _temp.Path,
    };
}
