using System;

namespace SessionGuard.Audio;

/// <summary>Caps and memory source of an <see cref="AudioRingBuffer"/>.</summary>
public sealed class AudioRingBufferOptions
{
    /// <summary>The default <see cref="MaxChunks"/>: 1000.</summary>
    public const int DefaultMaxChunks = 1000;

    /// <summary>The default <see cref="MaxBytes"/>: 10 MB.</summary>
    public const long DefaultMaxBytes = 10L * 1024 * 1024;

    /// <summary>The default <see cref="MaxChunkBytes"/>: 64 KB.</summary>
    public const int DefaultMaxChunkBytes = 64 * 1024;

    /// <summary>Most chunks held at once (buffered plus held by the reader). At least 1.</summary>
    public int MaxChunks { get; set; } = DefaultMaxChunks;

    /// <summary>Most bytes held at once (buffered plus held by the reader). At least <see cref="MaxChunkBytes"/>.</summary>
    public long MaxBytes { get; set; } = DefaultMaxBytes;

    /// <summary>Longest chunk accepted by <see cref="AudioRingBuffer.Write(ReadOnlySpan{byte})"/>. At least 1.</summary>
    public int MaxChunkBytes { get; set; } = DefaultMaxChunkBytes;

    /// <summary>What to do with a chunk longer than <see cref="MaxChunkBytes"/>; <see cref="OversizeChunkPolicy.Reject"/> by default.</summary>
    public OversizeChunkPolicy OversizeChunk { get; set; } = OversizeChunkPolicy.Reject;

    /// <summary>The pool the buffer's blocks come from; <see cref="AudioBlockPool.Shared"/> when null.</summary>
    public AudioBlockPool? Pool { get; set; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (MaxChunks < 1)
        {
            AudioThrowHelper.ThrowArgumentOutOfRange_MaxChunks(MaxChunks);
        }

        if (MaxChunkBytes < 1)
        {
            AudioThrowHelper.ThrowArgumentOutOfRange_MaxChunkBytes(MaxChunkBytes);
        }

        if (MaxBytes < MaxChunkBytes)
        {
            AudioThrowHelper.ThrowArgumentOutOfRange_MaxBytes(MaxBytes, MaxChunkBytes);
        }

        if (OversizeChunk is not (OversizeChunkPolicy.Reject or OversizeChunkPolicy.Truncate))
        {
            AudioThrowHelper.ThrowArgumentOutOfRange_OversizeChunk(OversizeChunk);
        }
    }
}
