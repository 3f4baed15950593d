using System;

namespace SessionGuard.VoiceGateway.Soak;

/// <summary>The load of an in-process soak.</summary>
internal sealed class SoakOptions
{
    /// <summary>Connections opened, one after the other as slots free up. Default 200.</summary>
    public int Sessions { get; init; } = 200;

    /// <summary>Connections streaming at once. Default 16.</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Audio each client streams (faster than real time). Default 11 s: one cut, then the stream's end.</summary>
    public TimeSpan AudioPerSession { get; init; } = TimeSpan.FromSeconds(11);

    /// <summary>Distinct synthesized clips the clients share. Default 8.</summary>
    public int Clips { get; init; } = 8;

    /// <summary>Every n-th client aborts halfway instead of closing. Default 5; 0 for none.</summary>
    public int AbortEvery { get; init; } = 5;

    /// <summary>A glossary update is published after every n-th connection. Default 25.</summary>
    public int GlossaryUpdateEvery { get; init; } = 25;

    /// <summary>Seeds the clips.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>How long to wait for the pipeline's own background work to settle after the last connection. Default 30 s.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Sessions, nameof(Sessions));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Concurrency, nameof(Concurrency));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Clips, nameof(Clips));
        ArgumentOutOfRangeException.ThrowIfNegative(AbortEvery, nameof(AbortEvery));
        ArgumentOutOfRangeException.ThrowIfNegative(GlossaryUpdateEvery, nameof(GlossaryUpdateEvery));
        if (AudioPerSession < TimeSpan.FromMilliseconds(20))
        {
            throw new ArgumentOutOfRangeException(nameof(AudioPerSession), AudioPerSession, $"{nameof(AudioPerSession)} must be at least one 20 ms frame.");
        }
    }
}
