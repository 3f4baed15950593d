using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.VoiceGateway.Pipeline;

/// <summary>One client's connection to a pipeline, as the network layer drives it.</summary>
internal interface IGatewayConnection
{
    /// <summary>One binary frame of audio (normally 20 ms, 640 bytes) from the client.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);

    /// <summary>The client closed cleanly: the audio received so far is processed, then the connection ends.</summary>
    Task CloseAsync();

    /// <summary>The connection was lost without a close (a network error, an abort).</summary>
    Task AbortAsync();
}
