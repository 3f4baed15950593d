using System;

namespace SessionGuard.Audio;

/// <summary>What <see cref="AudioRingBuffer.Write(ReadOnlySpan{byte})"/> does with a chunk longer than
/// <see cref="AudioRingBufferOptions.MaxChunkBytes"/>.</summary>
public enum OversizeChunkPolicy
{
    /// <summary>Throw an <see cref="ArgumentException"/>; nothing is written or lost.</summary>
    Reject = 0,

    /// <summary>Keep the first <see cref="AudioRingBufferOptions.MaxChunkBytes"/> bytes and discard the rest.</summary>
    Truncate = 1,
}
