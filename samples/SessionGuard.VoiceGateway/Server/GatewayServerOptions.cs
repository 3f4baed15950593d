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

    /// <summary>Guarded: the registry's capacity. Default 10 000.</summary>
    public int MaxSessions { get; init; } = 10_000;
}
