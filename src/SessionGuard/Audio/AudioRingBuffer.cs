using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
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
    // This file: the public surface, the counters and the write path (caps, eviction, appending). The reader is in
    // AudioRingBuffer.Reader.cs, the ring's use of its blocks in .Blocks.cs (the chain itself: BlockChain), the chunk
    // table in .Chunks.cs (ChunkTable), the state flags in .Flags.cs and the lock in .Lock.cs (the lock itself:
    // RingLock); every exception comes from AudioThrowHelper.
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

    // [lock] The producer's failure, given to CompleteWriter (completion itself is a flag: AudioRingBuffer.Flags.cs).
    private ExceptionDispatchInfo? _writerError;

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

    /// <summary>How many times one write asks the pool to take memory back from other rings.</summary>
    private const int MaxReclaimsPerWrite = 3;

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

    /// <summary>Appends one chunk of audio. Never blocks and never waits for the reader to consume: evicts the oldest
    /// whole chunks not yet handed to the reader until both caps (and the pool's budget) fit; if that is not possible
    /// the chunk is dropped and counted. A zero-length chunk does nothing. Its only waits are for the buffer's lock,
    /// and bounded: while another call holds it (at most one chunk's copy), and, once per 256 KB written while another
    /// thread waits for the lock, a spin of at most 100 short turns for that thread to take it first.</summary>
    /// <param name="chunk">The audio; copied.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="InvalidOperationException">The writer was completed (<see cref="CompleteWriter"/> or disposal).</exception>
    /// <exception cref="ArgumentException">The chunk is longer than <see cref="AudioRingBufferOptions.MaxChunkBytes"/>
    /// under <see cref="OversizeChunkPolicy.Reject"/>; nothing is written.</exception>
    public AudioWriteResult Write(ReadOnlySpan<byte> chunk)
    {
        // The common write is short: the general path is a separate method, so this one keeps a small frame and
        // no finally (TryAppendToTail throws only if the buffer's own invariants are broken).
        if (_lock.HasWaiters)
        {
            _lock.GiveWay(chunk.Length);
        }

        EnterGate();
        bool appended;
        try
        {
            appended = TryAppendToTail(chunk);
        }
        catch
        {
            ExitGate();
            throw;
        }

        if (appended)
        {
            ExitGate();
            return new AudioWriteResult(chunk.Length, 0, 0, false, 0);
        }

        return WriteHeld(chunk);
    }

    /// <summary>The general write, entered with the lock held (which it releases): completion, oversize chunks,
    /// caps, eviction, renting blocks and dropping.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private AudioWriteResult WriteHeld(ReadOnlySpan<byte> chunk)
    {
        int truncated = 0;
        int evictedChunks = 0;
        long evictedBytes = 0;
        bool dropped = false;
        try
        {
            if (WriterCompleted)
            {
                AudioThrowHelper.ThrowInvalidOperation_WritingAfterCompleted();
            }

            if (chunk.Length > _maxChunkBytes)
            {
                if (_oversize == OversizeChunkPolicy.Reject)
                {
                    AudioThrowHelper.ThrowArgument_Oversize(chunk.Length, _maxChunkBytes);
                }

                truncated = chunk.Length - _maxChunkBytes;
                chunk = chunk.Slice(0, _maxChunkBytes);
            }

            if (chunk.Length == 0)
            {
                return new AudioWriteResult(0, 0, 0, false, truncated);
            }

            int length = chunk.Length;
            _written += length;
            if (ReaderCompleted)
            {
                _dropped += length;
                _droppedChunks++;
                return new AudioWriteResult(0, 0, 0, true, truncated);
            }

            // Caps: held + buffered, counted in chunks and bytes.
            while (_chunks.Count + 1 > _maxChunks || _held + _buffered + length > _maxBytes)
            {
                if (_chunks.AllHeld)
                {
                    dropped = true;
                    break;
                }

                evictedBytes += EvictOldestBuffered();
                evictedChunks++;
            }

            int rented = 0;
            int reclaims = 0;
            if (!dropped)
            {
                // Blocks: rent what the chunk needs beyond the tail's free space (spares first, then the pool in one
                // call); under budget pressure evict our own oldest audio, whose blocks become spares. A chunk longer
                // than LargeChunkBlocks blocks goes to large blocks when the pool has them.
                bool large = _largeBlockSize != 0 && length > AudioBlockPool.LargeChunkBlocks * _blockSize;
                int size = large ? _largeBlockSize : _blockSize;
                while (true)
                {
                    long space = _blocks.TailRoom;
                    long need = length - space;
                    // Most writes need one block: no 64-bit division for them.
                    int blocksNeeded = need <= 0 ? 0 : need <= size ? 1 : (int)((need + size - 1) / size);
                    if (rented < blocksNeeded)
                    {
                        // Keep about what a write needs as spares: an active buffer holds at most one chunk more.
                        _blocks.SparesFor(large).Limit = blocksNeeded + 1;
                        rented += RentBlocks(rented, blocksNeeded - rented, large);
                    }

                    if (rented >= blocksNeeded)
                    {
                        break;
                    }

                    // The pool's budget is exhausted: a ring holding more unread audio than this one gives some back
                    // first (a few tries, since another writer may take the blocks in between); then this ring
                    // evicts its own oldest audio, and with none left drops the chunk.
                    if (reclaims < MaxReclaimsPerWrite && _pool.TryReclaim(this, _buffered, blocksNeeded - rented, size))
                    {
                        reclaims++;
                        continue;
                    }

                    if (_chunks.AllHeld)
                    {
                        dropped = true;
                        break;
                    }

                    evictedBytes += EvictOldestBuffered();
                    evictedChunks++;
                }
            }

            if (dropped)
            {
                for (int i = 0; i < rented; i++)
                {
                    AudioBlock block = _rentScratch[i]!;
                    _rentScratch[i] = null;
                    block.SetNext(null);
                    _blocks.Recycle(block, block, 1);
                }

                _dropped += length;
                _droppedChunks++;
                NoteLoss();
                if (Pending)
                {
                    CompletePendingIfReady();
                }
            }
            else
            {
                Append(chunk, rented);
            }
        }
        finally
        {
            ExitGate();
        }

        return new AudioWriteResult(dropped ? 0 : chunk.Length, evictedChunks, evictedBytes, dropped, truncated);
    }

    /// <summary>Marks the end of the audio: the reader drains what is buffered, then sees <see cref="ReadResult.IsCompleted"/>;
    /// later writes throw. With <paramref name="error"/>, reads throw it instead (as <see cref="Pipe"/> does).</summary>
    /// <param name="error">The producer's failure, or null.</param>
    public void CompleteWriter(Exception? error = null)
    {
        bool complete;
        ReadResult result;
        using (Enter())
        {
            if (WriterCompleted)
            {
                return;
            }

            WriterCompleted = true;
            _writerError = error is null ? null : ExceptionDispatchInfo.Capture(error);
            complete = TryTakePendingResult(out result);
        }

        if (complete)
        {
            CompletePending(result);
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

    /// <summary>Evicts the oldest chunk not handed to the reader. Returns its (remaining) bytes.</summary>
    private long EvictOldestBuffered()
    {
        ChunkTable.Record victim = _chunks.RemoveOldestBuffered();
        _buffered -= victim.Length;
        _dropped += victim.Length;
        _droppedChunks++;

        long next = _chunks.AllHeld ? _blocks.TailAddress : _chunks.At(_chunks.Held).Start;
        if (Holding && _viewEndBlock is not null)
        {
            GapDuringHold = true;
            AdvanceUnheldStart(next);
            ReleaseGapBlocks();
        }
        else
        {
            AdvanceUnheldStart(next);
            NoteLoss();
            ReleaseLeadingBlocks();
        }

        return victim.Length;
    }

    private void NoteLoss()
    {
        if (Holding && _viewEndBlock is not null)
        {
            GapDuringHold = true;
        }
        else
        {
            _lastGap = _consumed;
        }

        // A read waiting for a minimum while unread audio is lost: the caps (or the pool) stop the buffer short of it,
        // since a waiting reader holds nothing, so the buffer is full. The read takes what there is.
        if (Pending)
        {
            _pendingMinimum = 1;
        }
    }

    private void AdvanceUnheldStart(long next)
    {
        _unheldStart = next;
        if (_chunks.AllHeld)
        {
            _unheldBlock = null;
            return;
        }

        AudioBlock b = _unheldBlock!;
        while (b.RunningIndex + b.Length <= next)
        {
            b = b.NextBlock!;
        }

        _unheldBlock = b;
    }

    private void Append(ReadOnlySpan<byte> chunk, int rented)
    {
        if (_chunks.Count == _chunks.Capacity)
        {
            _chunks.Grow(_maxChunks);
        }

        long start = _blocks.TailAddress;
        AudioBlock? tail = _blocks.Tail;
        AudioBlock startBlock;
        int from = 0;
        if (tail is null)
        {
            // Empty: the chunk starts at the first new block.
            AudioBlock first = _rentScratch[0]!;
            _rentScratch[0] = null;
            _blocks.StartWith(first);
            startBlock = first;
            from = 1;
        }
        else if (start == tail.RunningIndex + tail.Length)
        {
            // The tail is full: the chunk starts in the first new block, whose address is the tail address.
            startBlock = _rentScratch[0]!;
        }
        else
        {
            startBlock = tail;
        }

        for (int i = from; i < rented; i++)
        {
            _blocks.LinkAtTail(_rentScratch[i]!);
            _rentScratch[i] = null;
        }

        BlockChain.CopyIn(chunk, startBlock, start);
        RecordChunk(start, chunk.Length, startBlock);
    }

    /// <summary>The common write: both ends open, no cap reached, the chunk table has room, and the chunk fits in
    /// the tail block's free space or in that and one spare block. Copies and records it; false (nothing changed)
    /// otherwise.</summary>
    private bool TryAppendToTail(ReadOnlySpan<byte> chunk)
    {
        AudioBlock? tail = _blocks.Tail;
        int length = chunk.Length;
        if (tail is null || (_flags & (StateFlags.WriterCompleted | StateFlags.ReaderCompleted)) != 0 || length == 0 || length > _maxChunkBytes
            || _chunks.Count >= _maxChunks || _chunks.Count >= _chunks.Capacity || _held + _buffered + length > _maxBytes)
        {
            return false;
        }

        long start = _blocks.TailAddress;
        int room = (int)(tail.RunningIndex + tail.Length - start);
        AudioBlock startBlock = tail;
        if (length > room)
        {
            // The rest fits in one spare block (a 3200 B frame in 4 KB blocks mostly does): link it.
            AudioBlock? next = _blocks.Spares.Head;
            if (next is null || length - room > next.Length)
            {
                return false;
            }

            _blocks.Spares.TryPop(out _);
            _blocks.LinkAtTail(next);
            if (room == 0)
            {
                startBlock = next;
            }
        }

        _written += length;
        BlockChain.CopyIn(chunk, startBlock, start);
        RecordChunk(start, length, startBlock);
        return true;
    }

    /// <summary>Records a chunk just copied in at <paramref name="start"/> and wakes a waiting read it satisfies
    /// (continuations run asynchronously, so completing the read under the lock runs no reader code here).</summary>
    private void RecordChunk(long start, int length, AudioBlock startBlock)
    {
        _blocks.TailAddress = start + length;
        if (_chunks.AllHeld)
        {
            _unheldStart = start;
            _unheldBlock = startBlock;
        }

        _chunks.Add(start, length);
        _buffered += length;
        StateFlags flags = (_flags | StateFlags.WrittenSinceRead) & ~StateFlags.WaitForNew;
        _flags = flags;
        if ((flags & StateFlags.Pending) != 0)
        {
            CompletePendingIfReady();
        }
    }
}
