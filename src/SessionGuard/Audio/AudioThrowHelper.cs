using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace SessionGuard.Audio;

/// <summary>
/// Every exception the audio types throw, one thrower per error, as System.IO.Pipelines' <c>ThrowHelper</c> does:
/// a throw site costs its caller a call, not an exception's construction and message formatting, and each message,
/// naming the option or the operation, is written once. <see cref="AudioRingBuffer"/>'s reader messages are
/// <see cref="System.IO.Pipelines.Pipe"/>'s, word for word.
/// </summary>
internal static class AudioThrowHelper
{
    // AudioRingBufferOptions.Validate.

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowArgumentOutOfRange_MaxChunks(int value) =>
        throw new ArgumentOutOfRangeException(nameof(AudioRingBufferOptions.MaxChunks), value, $"{nameof(AudioRingBufferOptions.MaxChunks)} must be at least 1.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowArgumentOutOfRange_MaxChunkBytes(int value) =>
        throw new ArgumentOutOfRangeException(nameof(AudioRingBufferOptions.MaxChunkBytes), value, $"{nameof(AudioRingBufferOptions.MaxChunkBytes)} must be at least 1.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowArgumentOutOfRange_MaxBytes(long value, int maxChunkBytes) =>
        throw new ArgumentOutOfRangeException(nameof(AudioRingBufferOptions.MaxBytes), value, $"{nameof(AudioRingBufferOptions.MaxBytes)} must be at least {nameof(AudioRingBufferOptions.MaxChunkBytes)} ({maxChunkBytes}).");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowArgumentOutOfRange_OversizeChunk(OversizeChunkPolicy value) =>
        throw new ArgumentOutOfRangeException(nameof(AudioRingBufferOptions.OversizeChunk), value, $"{nameof(AudioRingBufferOptions.OversizeChunk)} must be {nameof(OversizeChunkPolicy.Reject)} or {nameof(OversizeChunkPolicy.Truncate)}.");

    // AudioBlockPool.

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowArgumentOutOfRange_BlockSize(int blockSize) =>
        throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "blockSize must be at least 64.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowArgumentOutOfRange_BlocksPerSlab(int blocksPerSlab) =>
        throw new ArgumentOutOfRangeException(nameof(blocksPerSlab), blocksPerSlab, "blocksPerSlab must be at least 1 and a slab must fit in one array.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowArgumentOutOfRange_LargeBlockSize(int largeBlockSize) =>
        throw new ArgumentOutOfRangeException(nameof(largeBlockSize), largeBlockSize, "largeBlockSize must be 0 (no large blocks) or at least 2 * blockSize.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowArgumentOutOfRange_PoolMaxBytes(long maxBytes) =>
        throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "maxBytes must hold at least one slab (blockSize * blocksPerSlab, and one slab of large blocks).");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowArgumentOutOfRange_TrimInterval(TimeSpan interval) =>
        throw new ArgumentOutOfRangeException(nameof(interval), interval, "interval must be positive.");

    // AudioRingBuffer: construction and writing.

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowObjectDisposed_Pool(string poolName) =>
        throw new ObjectDisposedException(nameof(AudioRingBufferOptions.Pool), $"The pool \"{poolName}\" of AudioRingBufferOptions.Pool was disposed: a ring cannot rent blocks from it.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowInvalidOperation_WritingAfterCompleted() =>
        throw new InvalidOperationException("Writing is not allowed after the writer was completed.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowArgument_Oversize(int length, int maxChunkBytes) =>
        throw new ArgumentException($"The chunk has {length} bytes, more than MaxChunkBytes ({maxChunkBytes}).", "chunk");

    // AudioRingBuffer: reading.

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowArgumentOutOfRange_MinimumSize(int minimumSize, long maxBytes) =>
        throw new ArgumentOutOfRangeException(nameof(minimumSize), minimumSize, $"minimumSize cannot exceed MaxBytes ({maxBytes}): the buffer never holds more.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowInvalidOperation_AlreadyReading() =>
        throw new InvalidOperationException("Reading is already in progress.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowInvalidOperation_NoReadingAllowed() =>
        throw new InvalidOperationException("Reading is not allowed after reader was completed.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowInvalidOperation_NoReadToComplete() =>
        throw new InvalidOperationException("No reading operation to complete.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowInvalidOperation_AdvancedPast() =>
        throw new InvalidOperationException("The PipeReader has already advanced past the provided position.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowInvalidOperation_ExaminedBeforeConsumed() =>
        throw new InvalidOperationException("The examined position must be greater than or equal to the consumed position.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowInvalidOperation_PositionBeyondView() =>
        throw new InvalidOperationException("The position is not within the data returned by the last read.");
}
