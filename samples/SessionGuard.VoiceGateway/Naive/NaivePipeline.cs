using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Segmentation;

namespace SessionGuard.VoiceGateway.Naive;

/// <summary>
/// The same pipeline written the way the post-mortems' servers were, without SessionGuard: one handler object for
/// all connections holding plain dictionaries keyed by client id (<c>client_connections</c>,
/// <c>received_data_buffers</c>), cleaned at the end of a connection's handler, so only when it ends normally.
/// </summary>
internal sealed class NaivePipeline : IGatewayPipeline
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, NaiveConnection> _connections = new();
    private readonly Dictionary<string, List<byte[]>> _receivedAudio = new();

    public NaivePipeline(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Segmenter.Validate();
        Options = options;
        Translations = new NaiveTranslationStage(options.Translator);
        TempFolder = Path.Combine(options.TempRoot ?? Path.GetTempPath(), "naive-gateway-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(TempFolder);
    }

    public string Name => "naive";

    public PipelineCounters Counters { get; } = new();

    /// <summary>Where the utterances' WAV files go.</summary>
    public string TempFolder { get; }

    internal PipelineOptions Options { get; }

    internal NaiveTranslationStage Translations { get; }

    /// <summary>The segmenters' utterance buffers (the same pool as the guarded pipeline's).</summary>
    internal UtteranceBufferPool Buffers { get; } = new();

    internal NaiveDedupStage Dedup { get; } = new();

    public IGatewayConnection Connect(string clientId, Func<string, CancellationToken, ValueTask> send)
    {
        var connection = new NaiveConnection(this, clientId, send);
        Counters.OnOpened();
        lock (_gate)
        {
            _connections[clientId] = connection;
            _receivedAudio[clientId] = new List<byte[]>();
        }

        // On every connect; there is no -= anywhere (the web-socket post-mortem's listeners).
        Options.Glossary.Updated += connection.Glossary.OnUpdated;
        connection.Start();
        return connection;
    }

    public GatewayResiduals MeasureResiduals()
    {
        int connections, audio;
        lock (_gate)
        {
            connections = _connections.Count;
            audio = _receivedAudio.Count;
        }

        return new GatewayResiduals(connections, audio + Dedup.Count, Translations.Pending, Directory.GetFiles(TempFolder).Length, Options.Glossary.SubscriberCount);
    }

    public ValueTask DisposeAsync() => default;

    /// <summary>Keeps every frame of the connection (for a recording made at the end), with no cap.</summary>
    internal void AppendAudio(string clientId, ReadOnlySpan<byte> frame)
    {
        lock (_gate)
        {
            _receivedAudio[clientId].Add(frame.ToArray());
        }
    }

    internal void OnDisconnected(string clientId)
    {
        lock (_gate)
        {
            _connections.Remove(clientId);
            _receivedAudio.Remove(clientId);
        }

        Counters.OnEnded();
    }
}
