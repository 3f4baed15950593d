using System;
using SessionGuard.VoiceGateway.Pipeline;

namespace SessionGuard.VoiceGateway.Server;

/// <summary>How a gateway server is set up.</summary>
internal sealed class GatewayServerOptions
{
    public required PipelineOptions Pipeline { get; init; }

    /// <summary>Where the guarded registry keeps its temp folder (the naive pipeline uses <see cref="PipelineOptions.TempRoot"/>).</summary>
    public required string TempRoot { get; init; }

    /// <summary>Guarded: a session idle this long is closed with 1001. Default 2 s.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Guarded: how long a dropped session waits for its client to come back. Default 2 s.</summary>
    public TimeSpan ReconnectGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Most bytes a connection's transport buffers before the handler has read them (Kestrel's
    /// <c>SocketTransportOptions.MaxReadBufferSize</c>): past it Kestrel stops reading the socket until the handler
    /// catches up, and TCP pushes back on the client. Both servers. Default 32 KB, 1 s of audio (Kestrel's own default
    /// is 1 MB, 32 s of audio, held in its process-wide block pool).
    /// </summary>
    public long MaxReadBufferSize { get; init; } = DefaultMaxReadBufferSize;

    /// <summary>The default <see cref="MaxReadBufferSize"/>: 32 KB.</summary>
    public const long DefaultMaxReadBufferSize = 32 * 1024;

    /// <summary>Guarded: the registry's capacity. Default 10 000.</summary>
    public int MaxSessions { get; init; } = 10_000;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (MaxReadBufferSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxReadBufferSize), MaxReadBufferSize, $"{nameof(MaxReadBufferSize)} must be positive: Kestrel reads 0 as no limit.");
        }
    }
}
