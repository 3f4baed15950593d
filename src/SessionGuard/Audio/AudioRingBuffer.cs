using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace SessionGuard.Audio;

/// <summary>
/// Per-session audio under a chunk cap and a byte cap that never blocks its producer: when a cap would be
/// exceeded, <see cref="Write(ReadOnlySpan{byte})"/> evicts the oldest whole chunks not yet handed to the reader.
/// The consumer side is a <see cref="PipeReader"/> with <see cref="Pipe"/>'s reader semantics; a returned
/// <see cref="ReadOnlySequence{T}"/> spans the buffer's blocks without copying and stays valid until the next
/// <see cref="AdvanceTo(SequencePosition, SequencePosition)"/>.
/// </summary>
/// <remarks>
/// <para>Memory comes in fixed-size blocks from an <see cref="AudioBlockPool"/>; chunks are packed into them.
/// A drained buffer holds no block; <see cref="DisposeAsync"/> completes both ends and returns every block (those
/// of a view the reader still holds when the reader next calls the buffer).</para>
/// <para>Data handed to the reader is never evicted under it. If audio was evicted (or an incoming chunk dropped)
/// while the reader held a view, the unconsumed rest of that view is dropped at <c>AdvanceTo</c> and counted, so a
/// read never has a hole in its middle; <see cref="LastGapOffset"/> tells where the last discontinuity is.</para>
/// <para>Invariant at every moment: <c>ConsumedBytes + DroppedBytes + BufferedBytes + HeldBytes == WrittenBytes</c>.</para>
/// <para>One producer at a time; the producer and the reader may run on different threads.</para>
/// </remarks>
public sealed partial class AudioRingBuffer : PipeReader, IAsyncDisposable, IValueTaskSource<ReadResult>
{
    // This file: construction, the counters and disposal. The producer's side (Write, CompleteWriter) is in
    // AudioRingBuffer.Writer.cs, copying a chunk in and recording it in .Appending.cs, evicting audio and noting the
    // loss in .Eviction.cs; the reader in .Reader.cs, its pending read in .PendingRead.cs and its advances in
    // .Advance.cs; the ring's use of its blocks in .Blocks.cs (the chain itself: BlockChain), the chunk table in
    // .Chunks.cs (ChunkTable), the state flags in .Flags.cs and the lock in .Lock.cs (the lock itself: RingLock); every
    // exception comes from AudioThrowHelper.
    //
    // Every field group says who owns it:
    //   [immutable]  set by the constructor only;
    //   [lock]       read and written only while holding the lock (RingLock);
    //   [reader]     written only in the reader's own calls, and read by them without the lock (no other thread
    //                reads them without the lock);
    //   [volatile]   published to another thread through Volatile or Interlocked, as each group says;
    //   [pool]       read and written by the AudioBlockPool under the pool's lock.
    // AssertInvariants (AudioRingBuffer.Lock.cs) checks the [lock] groups each time the lock is released (debug builds).

    // [immutable] Caps.
    private readonly int _maxChunks;
    private readonly long _maxBytes;
    private readonly int _maxChunkBytes;
    private readonly OversizeChunkPolicy _oversize;

    // [lock] Counters. The invariant: _consumed + _dropped + _buffered + _held == _written. Blocks rented from the
    // pool are counted by _blocks. _buffered is also read without the lock, through Interlocked, by the pool choosing
    // a ring to take memory back from (UnreadBytesForPool): a hint, never acted on without the ring's lock.
    private long _written;
    private long _consumed;
    private long _dropped;
    private long _droppedChunks;
    private long _buffered;
    private long _held;
    private long _lastGap = -1;

    /// <summary>Creates a buffer with the default caps (1000 chunks, 10 MB, 64 KB chunks) on <see cref="AudioBlockPool.Shared"/>.</summary>
    public AudioRingBuffer()
        : this(new AudioRingBufferOptions())
    {
    }

    /// <summary>Creates a buffer.</summary>
    /// <param name="options">Caps and pool; validated and copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid; the exception names it.</exception>
    /// <exception cref="ObjectDisposedException"><see cref="AudioRingBufferOptions.Pool"/> was disposed.</exception>
    public AudioRingBuffer(AudioRingBufferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _pool = options.Pool ?? AudioBlockPool.Shared;
        if (_pool.IsDisposed)
        {
            AudioThrowHelper.ThrowObjectDisposed_Pool(_pool.Name);
        }

        _blockSize = _pool.BlockSize;
        _largeBlockSize = _pool.LargeBlockSize;
        _maxChunks = options.MaxChunks;
        _maxBytes = options.MaxBytes;
        _maxChunkBytes = options.MaxChunkBytes;
        _oversize = options.OversizeChunk;
        _rentScratch = new AudioBlock?[(_maxChunkBytes / _blockSize) + 2];
        _blocks = new BlockChain(_blockSize);
        _source.RunContinuationsAsynchronously = true;
    }

    /// <summary>Chunks buffered and not yet handed to the reader (a partly consumed chunk counts as one).</summary>
    public int BufferedChunks
    {
        get
        {
            using (Enter())
            {
                return _chunks.Buffered;
            }
        }
    }

    /// <summary>Bytes buffered and not yet handed to the reader.</summary>
    public long BufferedBytes
    {
        get
        {
            using (Enter())
            {
                return _buffered;
            }
        }
    }

    /// <summary>Bytes of the view the reader holds now (returned by a read, not yet advanced past).</summary>
    public long HeldBytes
    {
        get
        {
            using (Enter())
            {
                return _held;
            }
        }
    }

    /// <summary>Chunks evicted, dropped on arrival, dropped from a view at <c>AdvanceTo</c> or at completion.</summary>
    public long DroppedChunks
    {
        get
        {
            using (Enter())
            {
                return _droppedChunks;
            }
        }
    }

    /// <summary>Bytes lost the same ways as <see cref="DroppedChunks"/>.</summary>
    public long DroppedBytes
    {
        get
        {
            using (Enter())
            {
                return _dropped;
            }
        }
    }

    /// <summary>Bytes given to <see cref="Write(ReadOnlySpan{byte})"/>, after truncation of oversize chunks.</summary>
    public long WrittenBytes
    {
        get
        {
            using (Enter())
            {
                return _written;
            }
        }
    }

    /// <summary>Bytes the reader consumed with <c>AdvanceTo</c>: the reader's offset in the stream it has seen.</summary>
    public long ConsumedBytes
    {
        get
        {
            using (Enter())
            {
                return _consumed;
            }
        }
    }

    /// <summary>The reader-stream offset (in <see cref="ConsumedBytes"/> terms) of the last discontinuity: the byte
    /// the reader reads at this offset does not follow the one before it. -1 when audio was never lost.</summary>
    public long LastGapOffset
    {
        get
        {
            using (Enter())
            {
                return _lastGap;
            }
        }
    }

    /// <summary>All counters at one moment.</summary>
    public AudioRingBufferStatistics GetStatistics()
    {
        using (Enter())
        {
            return new AudioRingBufferStatistics(_written, _consumed, _dropped, _droppedChunks, _buffered,
                _chunks.Buffered, _held, _chunks.Held, _lastGap, _blocks.RentedBlocks);
        }
    }

    /// <summary>Completes both ends (see <see cref="CompleteWriter"/> and <see cref="Complete"/>) and returns every
    /// block, with one exception: the blocks of a view the reader still holds (it has read and not yet advanced).
    /// Disposal usually comes from a session's teardown, on another thread than a reader that may still be reading
    /// that view; its blocks go back to the pool at the reader's next call on this buffer (which throws
    /// <see cref="InvalidOperationException"/>, as any read after completion does) or its <see cref="Complete"/>,
    /// never while it may still read them, so it can never see audio another buffer wrote into them.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        CompleteWriter();
        CompleteReader(keepHeldView: true);
        return ValueTask.CompletedTask;
    }
}
