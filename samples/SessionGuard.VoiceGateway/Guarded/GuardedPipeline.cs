using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Figures;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Segmentation;

namespace SessionGuard.VoiceGateway.Guarded;

/// <summary>
/// The pipeline on SessionGuard: each connection is a session of the registry, whose audio goes into a ring it owns,
/// whose work runs as its tasks, whose temp files and subscription it owns, and whose entries in the stages' maps
/// the registry releases when it ends, however it ends.
/// </summary>
internal sealed class GuardedPipeline : IGatewayPipeline
{
    private readonly IDisposable _translationsRegistration;
    private readonly IDisposable _dedupRegistration;

    public GuardedPipeline(SessionRegistry registry, PipelineOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        options.Segmenter.Validate();
        Registry = registry;
        Options = options;
        Translations = new TranslationStage(options.Translator, timeProvider);
        _translationsRegistration = registry.Register(Translations);
        _dedupRegistration = registry.Register(Dedup);
        registry.SessionEnded += OnSessionEnded;
    }

    public string Name => "guarded";

    public PipelineCounters Counters { get; } = new();

    /// <summary>The registry's teardown reports, as its <see cref="SessionRegistry.SessionEnded"/> event delivers them.</summary>
    public TeardownLog Teardowns { get; } = new();

    internal SessionRegistry Registry { get; }

    internal PipelineOptions Options { get; }

    internal TranslationStage Translations { get; }

    internal DedupStage Dedup { get; } = new();

    /// <summary>The segmenters' utterance buffers, kept only while the load needs them.</summary>
    internal UtteranceBufferPool Buffers { get; } = new();

    public IGatewayConnection Connect(string clientId, Func<string, CancellationToken, ValueTask> send) =>
        Attach(Registry.Open(SessionId.Parse(clientId)), send);

    /// <summary>Runs the pipeline for a session opened elsewhere (by the WebSocket endpoint, for example).</summary>
    public GuardedConnection Attach(Session session, Func<string, CancellationToken, ValueTask> send) => new(this, session, send);

    private void OnSessionEnded(object? sender, SessionTeardownReport report)
    {
        Teardowns.OnSessionEnded(sender, report);
        Counters.OnEnded();
    }

    public GatewayResiduals MeasureResiduals()
    {
        int entries = 0;
        foreach (var entry in Registry.CheckResiduals().Entries)
        {
            entries += entry.Count;
        }

        int pending = Translations.Pending;
        int tempFiles = Directory.Exists(Registry.TempFolder) ? Directory.GetFiles(Registry.TempFolder).Length : 0;
        return new GatewayResiduals(Registry.ActiveCount, entries - pending, pending, tempFiles, Options.Glossary.SubscriberCount);
    }

    public ValueTask DisposeAsync()
    {
        Registry.SessionEnded -= OnSessionEnded;
        _translationsRegistration.Dispose();
        _dedupRegistration.Dispose();
        return default;
    }
}
