using System;
using System.Threading;

namespace SessionGuard.VoiceGateway.Translation;

/// <summary>How often and how <see cref="FlakyTranslator"/> misbehaves.</summary>
internal sealed class FlakyTranslatorOptions
{
    /// <summary>Seeds which calls are slow or fail.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Share of calls (0–1) that fail with <see cref="TranslationFailedException"/>. Default 0.05.</summary>
    public double FailureShare { get; init; } = 0.05;

    /// <summary>Share of calls (0–1) that take <see cref="SlowLatency"/>. Default 0.05.</summary>
    public double SlowShare { get; init; } = 0.05;

    /// <summary>How long a normal call takes. Default zero (it still completes asynchronously).</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.Zero;

    /// <summary>How long a slow call takes unless cancelled; <see cref="Timeout.InfiniteTimeSpan"/>: until cancelled. Default 30 s.</summary>
    public TimeSpan SlowLatency { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Runs the latencies; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!(FailureShare is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(FailureShare), FailureShare, $"{nameof(FailureShare)} must be between 0 and 1.");
        }

        if (!(SlowShare is >= 0 and <= 1) || FailureShare + SlowShare > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SlowShare), SlowShare, $"{nameof(SlowShare)} must be between 0 and 1, and at most 1 - {nameof(FailureShare)}.");
        }

        if (Latency < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Latency), Latency, $"{nameof(Latency)} must not be negative.");
        }

        if (SlowLatency != Timeout.InfiniteTimeSpan && SlowLatency < Latency)
        {
            throw new ArgumentOutOfRangeException(nameof(SlowLatency), SlowLatency, $"{nameof(SlowLatency)} must be at least {nameof(Latency)}, or Timeout.InfiniteTimeSpan (a slow call then ends only when cancelled).");
        }
    }
}
