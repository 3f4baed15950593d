using System;

namespace SessionGuard.Audio;

/// <summary>What one <see cref="AudioRingBuffer.Write(ReadOnlySpan{byte})"/> did.</summary>
public readonly struct AudioWriteResult : IEquatable<AudioWriteResult>
{
    /// <summary>Creates a result.</summary>
    /// <param name="written">Bytes of the chunk now buffered (0 when dropped).</param>
    /// <param name="evictedChunks">Older chunks evicted to make room.</param>
    /// <param name="evictedBytes">Bytes of those chunks.</param>
    /// <param name="dropped">True when the incoming chunk itself was dropped.</param>
    /// <param name="truncatedBytes">Bytes cut from an oversize chunk under <see cref="OversizeChunkPolicy.Truncate"/>.</param>
    public AudioWriteResult(int written, int evictedChunks, long evictedBytes, bool dropped, int truncatedBytes)
    {
        Written = written;
        EvictedChunks = evictedChunks;
        EvictedBytes = evictedBytes;
        Dropped = dropped;
        TruncatedBytes = truncatedBytes;
    }

    /// <summary>Bytes of the chunk now buffered (0 when the chunk was dropped).</summary>
    public int Written { get; }

    /// <summary>Older chunks evicted to make room for this one.</summary>
    public int EvictedChunks { get; }

    /// <summary>Bytes of the evicted chunks.</summary>
    public long EvictedBytes { get; }

    /// <summary>True when the incoming chunk was dropped: the reader holds everything the caps allow, the pool's
    /// budget is exhausted with nothing of this buffer left to evict, or the reader has completed.</summary>
    public bool Dropped { get; }

    /// <summary>Bytes cut from an oversize chunk under <see cref="OversizeChunkPolicy.Truncate"/>; not counted as dropped.</summary>
    public int TruncatedBytes { get; }

    /// <inheritdoc/>
    public bool Equals(AudioWriteResult other) => Written == other.Written && EvictedChunks == other.EvictedChunks
        && EvictedBytes == other.EvictedBytes && Dropped == other.Dropped && TruncatedBytes == other.TruncatedBytes;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is AudioWriteResult other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Written, EvictedChunks, EvictedBytes, Dropped, TruncatedBytes);

    /// <summary>Equality.</summary>
    public static bool operator ==(AudioWriteResult left, AudioWriteResult right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(AudioWriteResult left, AudioWriteResult right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"Written={Written} EvictedChunks={EvictedChunks} EvictedBytes={EvictedBytes} Dropped={Dropped} TruncatedBytes={TruncatedBytes}";
}
