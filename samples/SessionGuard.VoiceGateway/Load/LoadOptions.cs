using System;

namespace SessionGuard.VoiceGateway.Load;

/// <summary>The load the WebSocket driver puts on a server.</summary>
internal sealed class LoadOptions
{
    /// <summary>Clients that connect one after the other as slots free up (each leaves one of the non-storm ways, in turn). Default 300.</summary>
    public int Sessions { get; init; } = 300;

    /// <summary>Clients streaming at once. Default 16.</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Clients of the reconnect storm at the end, all at once. Default 100; 0 for none.</summary>
    public int StormClients { get; init; } = 100;

    /// <summary>Speech each client streams, faster than real time. Default 6 s: one cut, then the stream's end.</summary>
    public TimeSpan AudioPerSession { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>Distinct synthesized clips the clients share. Default 8.</summary>
    public int Clips { get; init; } = 8;

    /// <summary>Seeds the clips.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>How long a stalled client waits for the server to close it before it aborts. Default 5 s.</summary>
    public TimeSpan StallLimit { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bounds each wait for the server (a close handshake, a connect) so that a broken server cannot hang the driver. Default 30 s.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Sessions, nameof(Sessions));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Concurrency, nameof(Concurrency));
        ArgumentOutOfRangeException.ThrowIfNegative(StormClients, nameof(StormClients));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Clips, nameof(Clips));
        if (AudioPerSession < TimeSpan.FromMilliseconds(40))
        {
            throw new ArgumentOutOfRangeException(nameof(AudioPerSession), AudioPerSession, $"{nameof(AudioPerSession)} must be at least two 20 ms frames.");
        }

        if (StallLimit <= TimeSpan.Zero || OperationTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(StallLimit <= TimeSpan.Zero ? nameof(StallLimit) : nameof(OperationTimeout), "Must be positive.");
        }
    }
}
