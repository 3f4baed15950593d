using System;

namespace SessionGuard.VoiceGateway.Segmentation;

/// <summary>How <see cref="UtteranceSegmenter"/> cuts a stream into utterances.</summary>
internal sealed class SegmenterOptions
{
    /// <summary>The energy window a cut is centred on.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(100);

    /// <summary>The resolution of cuts and energies.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    /// <summary>No cut makes an utterance shorter than this. Default 2 s.</summary>
    public TimeSpan MinLength { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The length the cuts aim at: the cut range is centred on it. Default 5 s.</summary>
    public TimeSpan TargetLength { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>No utterance is longer than this. Default 10 s.</summary>
    public TimeSpan MaxLength { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The earliest cut: <see cref="MinLength"/>.</summary>
    public TimeSpan EarliestCut => MinLength;

    /// <summary>
    /// The latest cut: as far past <see cref="TargetLength"/> as <see cref="MinLength"/> is before it, and early
    /// enough that the window around it (and so every utterance, whatever ends it) stays within <see cref="MaxLength"/>.
    /// </summary>
    public TimeSpan LatestCut => TimeSpan.FromTicks(Math.Min((MaxLength - Window / 2).Ticks, (TargetLength + TargetLength - MinLength).Ticks));

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (MinLength < Window || MinLength.Ticks % Step.Ticks != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MinLength), MinLength, $"{nameof(MinLength)} must be at least {Window.TotalMilliseconds} ms and a multiple of {Step.TotalMilliseconds} ms.");
        }

        if (TargetLength < MinLength || TargetLength.Ticks % Step.Ticks != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TargetLength), TargetLength, $"{nameof(TargetLength)} must be at least {nameof(MinLength)} ({MinLength}) and a multiple of {Step.TotalMilliseconds} ms.");
        }

        if (MaxLength < TargetLength + Window / 2 || MaxLength.Ticks % Step.Ticks != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, $"{nameof(MaxLength)} must be at least {nameof(TargetLength)} + {Window.TotalMilliseconds / 2} ms ({TargetLength + Window / 2}) and a multiple of {Step.TotalMilliseconds} ms.");
        }
    }
}
