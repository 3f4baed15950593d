using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.VoiceGateway.Pipeline;

/// <summary>
/// The gateway's processing behind the network layer: ring or list of audio, segmenter, recognizer, translation,
/// dedup, results back to the client. Two implementations: guarded (SessionGuard) and naive (the post-mortems' way).
/// </summary>
internal interface IGatewayPipeline : IAsyncDisposable
{
    string Name { get; }

    PipelineCounters Counters { get; }

    /// <summary>Opens a connection for <paramref name="clientId"/>; <paramref name="send"/> sends a text frame back.</summary>
    IGatewayConnection Connect(string clientId, Func<string, CancellationToken, ValueTask> send);

    /// <summary>What the pipeline still holds for connections (0 everywhere once every connection ended, if it does not leak).</summary>
    GatewayResiduals MeasureResiduals();
}
