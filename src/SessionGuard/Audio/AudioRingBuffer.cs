using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
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
public sealed class AudioRingBuffer : PipeReader, IAsyncDisposable, IValueTaskSource<ReadResult>
{
    private const string AlreadyReading = "Reading is already in progress.";
    private const string NoReadingAfterComplete = "Reading is not allowed after reader was completed.";
    private const string NoReadToComplete = "No reading operation to complete.";
    private const string AlreadyAdvancedPast = "The PipeReader has already advanced past the provided position.";
    private const string ExaminedBeforeConsumed = "The examined position must be greater than or equal to the consumed position.";
    private const string PositionBeyondView = "The position is not within the data returned by the last read.";

    /// <summary>A producer writing back to back lets a thread waiting for the lock in first each time it has written
    /// this much while threads waited (see <see cref="GiveWay"/>).</summary>
    internal const int GiveWayBytes = 256 * 1024;

    /// <summary>Turns of <c>Thread.SpinWait(8)</c> (about 20 µs in all) a thread waiting for the lock spins before it
    /// starts to yield: a producer giving way (<see cref="GiveWay"/>) then finds it still spinning, not in a system
    /// call (a yield took 1.4 µs on the benchmark machine). Finer turns (<c>SpinWait(1)</c>) let a reader in between
    /// short writes more often, each time for fewer chunks: 640 B two-thread writes were 1.5–2× slower.</summary>
    private const int ActiveSpins = 64;

    // Every operation is short and bounded (at most one chunk's copy), and a voice server calls Write and the reader
    // methods tens of times per second per session: a spin lock that takes one atomic instruction to enter and none
    // to exit costs half what Monitor or Lock cost (both take two), which is a third of a small write (see
    // benchmarks/README.md). 0 is free, 1 is held; exit is a release store. (SpinLock would do the same, but its
    // Enter takes a ref bool, which makes the JIT zero and spill a frame slot on the write's path.)
    private int _gate;

    // Threads waiting in EnterGateContended; the bytes the producer has written while one was (counted across waits,
    // and reset when it gives way: at worst it gives way early once); and, for tests, how many times it gave way and
    // how many turns it waited in all.
    private int _waiting;
    private long _overtakenBytes;
    private long _giveWays;
    private long _giveWayTurns;
    private readonly AudioBlockPool _pool;
    private readonly int _blockSize;
    private readonly int _largeBlockSize;
    private readonly int _maxChunks;
    private readonly long _maxBytes;
    private readonly int _maxChunkBytes;
    private readonly OversizeChunkPolicy _oversize;
    private readonly AudioBlock?[] _rentScratch;

    // Blocks: a chain from _head to _tail. Addresses are virtual: a block's RunningIndex.
    private AudioBlock? _head;
    private int _chainBlocks;
    private AudioBlock? _tail;
    private long _tailAddr;

    // Spare blocks: released by the reader's progress and kept (linked by Next, Owner still this) for the next write,
    // at most about one chunk's worth; returned to the pool when the buffer drains, so an idle buffer holds none.
    // One list per block size.
    private SpareList _spares;
    private SpareList _largeSpares;

    // The blocks of a view the reader held when the buffer was disposed, returned at the reader's next call.
    private AudioBlock? _retired;
    private int _retiredCount;

    // Blocks released under the lock, returned to the pool once it is released.
    private AudioBlock? _returning;
    private int _returningCount;

    // Chunk records, oldest first: _heldChunks held by the reader, then the buffered ones. The table's length is a
    // power of two (or zero): _chunkMask is length - 1.
    private Chunk[] _chunks = Array.Empty<Chunk>();
    private int _chunkMask;
    private int _chunkHead;
    private int _chunkCount;
    private int _heldChunks;

    // Buffered (not yet handed) region start.
    private long _unheldStart;
    private AudioBlock? _unheldBlock;

    // The view handed to the reader.
    private bool _holding;
    private long _viewStart;
    private long _viewEnd;
    private AudioBlock? _viewEndBlock;
    private bool _gapDuringHold;
    private bool _writtenSinceRead;
    private bool _waitForNew;
    private bool _tentative;

    // A partial AdvanceTo posted by the reader without taking the lock; the next locked section applies it first.
    private bool _advancePosted;
    private long _postedConsumed;
    private long _postedExamined;

    // Pending read.
    private ManualResetValueTaskSourceCore<ReadResult> _source;
    private bool _pending;

    // A waiting read was woken and its view is owed: GetResult takes it, so the reader gets everything written
    // up to the moment it runs (as with Pipe), and the writer that woke it builds no view.
    private bool _owed;
    private int _pendingMinimum;
    private CancellationTokenRegistration _pendingRegistration;
    private CancellationToken _pendingToken;
    private int _registeringThread;
    private bool _cancelledWhileRegistering;
    private bool _cancelNext;
    private Exception? _pendingError;

    private bool _readerCompleted;
    private bool _writerCompleted;
    private ExceptionDispatchInfo? _writerError;

    private long _written;
    private long _consumed;
    private long _dropped;
    private long _droppedChunks;
    private long _buffered;
    private long _held;
    private long _lastGap = -1;
    private int _rentedBlocks;

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
            throw new ObjectDisposedException(nameof(AudioRingBufferOptions.Pool), $"The pool \"{_pool.Name}\" of AudioRingBufferOptions.Pool was disposed: a ring cannot rent blocks from it.");
        }

        _blockSize = _pool.BlockSize;
        _largeBlockSize = _pool.LargeBlockSize;
        _maxChunks = options.MaxChunks;
        _maxBytes = options.MaxBytes;
        _maxChunkBytes = options.MaxChunkBytes;
        _oversize = options.OversizeChunk;
        _rentScratch = new AudioBlock?[(_maxChunkBytes / _blockSize) + 2];
        _source.RunContinuationsAsynchronously = true;
    }

    /// <summary>Chunks buffered and not yet handed to the reader (a partly consumed chunk counts as one).</summary>
    public int BufferedChunks
    {
        get
        {
            using (Enter())
            {
                return _chunkCount - _heldChunks;
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
                _chunkCount - _heldChunks, _held, _heldChunks, _lastGap, _rentedBlocks);
        }
    }

    /// <summary>Appends one chunk of audio. Never blocks and never waits for the reader to consume: evicts the oldest
    /// whole chunks not yet handed to the reader until both caps (and the pool's budget) fit; if that is not possible
    /// the chunk is dropped and counted. A zero-length chunk does nothing. Its only waits are for the buffer's lock,
    /// and bounded: while another call holds it (at most one chunk's copy), and, once per 256 KB written while another
    /// thread waits for the lock, at most about 16 µs for that thread to take it first.</summary>
    /// <param name="chunk">The audio; copied.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="InvalidOperationException">The writer was completed (<see cref="CompleteWriter"/> or disposal).</exception>
    /// <exception cref="ArgumentException">The chunk is longer than <see cref="AudioRingBufferOptions.MaxChunkBytes"/>
    /// under <see cref="OversizeChunkPolicy.Reject"/>; nothing is written.</exception>
    public AudioWriteResult Write(ReadOnlySpan<byte> chunk)
    {
        // The common write is short: the general path is a separate method, so this one keeps a small frame and
        // no finally (TryAppendToTail throws only if the buffer's own invariants are broken).
        if (Volatile.Read(ref _waiting) != 0)
        {
            GiveWay(chunk.Length);
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
            if (_writerCompleted)
            {
                ThrowWriterCompleted();
            }

            if (chunk.Length > _maxChunkBytes)
            {
                if (_oversize == OversizeChunkPolicy.Reject)
                {
                    ThrowOversize(chunk.Length);
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
            if (_readerCompleted)
            {
                _dropped += length;
                _droppedChunks++;
                return new AudioWriteResult(0, 0, 0, true, truncated);
            }

            // Caps: held + buffered, counted in chunks and bytes.
            while (_chunkCount + 1 > _maxChunks || _held + _buffered + length > _maxBytes)
            {
                if (_chunkCount == _heldChunks)
                {
                    dropped = true;
                    break;
                }

                evictedBytes += EvictOldestBuffered();
                evictedChunks++;
            }

            int rented = 0;
            if (!dropped)
            {
                // Blocks: rent what the chunk needs beyond the tail's free space (spares first, then the pool in one
                // call); under budget pressure evict our own oldest audio, whose blocks become spares. A chunk longer
                // than LargeChunkBlocks blocks goes to large blocks when the pool has them.
                bool large = _largeBlockSize != 0 && length > AudioBlockPool.LargeChunkBlocks * _blockSize;
                int size = large ? _largeBlockSize : _blockSize;
                while (true)
                {
                    long space = _tail is null ? 0 : _tail.RunningIndex + _tail.Length - _tailAddr;
                    long need = length - space;
                    // Most writes need one block: no 64-bit division for them.
                    int blocksNeeded = need <= 0 ? 0 : need <= size ? 1 : (int)((need + size - 1) / size);
                    if (rented < blocksNeeded)
                    {
                        // Keep about what a write needs as spares: an active buffer holds at most one chunk more.
                        SparesFor(large).Limit = blocksNeeded + 1;
                        rented += RentBlocks(rented, blocksNeeded - rented, large);
                    }

                    if (rented >= blocksNeeded)
                    {
                        break;
                    }

                    if (_chunkCount == _heldChunks)
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
                    Recycle(block, block, 1);
                }

                _dropped += length;
                _droppedChunks++;
                NoteLoss();
                if (_pending)
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
            if (_writerCompleted)
            {
                return;
            }

            _writerCompleted = true;
            _writerError = error is null ? null : ExceptionDispatchInfo.Capture(error);
            complete = TryTakePendingResult(out result);
        }

        if (complete)
        {
            CompletePending(result);
        }
    }

    /// <summary>Reads everything buffered, waiting for a write when nothing is (see <see cref="PipeReader.ReadAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The read. As with <see cref="Pipe"/>, a read that waited gets everything buffered when its result is
    /// taken. Unlike <see cref="Pipe"/>, that can be nothing, neither cancelled nor completed, when the audio that woke
    /// it was evicted before the reader ran: advance the empty view and read again.</returns>
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => ReadCore(0, cancellationToken);

    /// <summary>Reads once at least <paramref name="minimumSize"/> bytes are buffered (or the writer completed, or
    /// the read was cancelled): a recognizer can wake once per 100 ms frame rather than once per 20 ms chunk. When the
    /// buffer loses unread audio while the read waits (a write evicts or is dropped), the caps or the pool stop it
    /// short of the minimum (<see cref="AudioRingBufferOptions.MaxChunks"/> times the chunk size can be under it), so
    /// the read completes with what is buffered instead of waiting for a minimum it cannot reach.</summary>
    /// <param name="minimumSize">The fewest bytes to wait for; at most <see cref="AudioRingBufferOptions.MaxBytes"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The read.</returns>
    protected override ValueTask<ReadResult> ReadAtLeastAsyncCore(int minimumSize, CancellationToken cancellationToken)
    {
        if (minimumSize > _maxBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(minimumSize), minimumSize, $"minimumSize cannot exceed MaxBytes ({_maxBytes}): the buffer never holds more.");
        }

        return ReadCore(minimumSize, cancellationToken);
    }

    /// <inheritdoc/>
    public override bool TryRead(out ReadResult result)
    {
        using (Enter())
        {
            ThrowIfCannotRead();
            _tentative = false;
            if (TryTakeResult(0, out result))
            {
                return true;
            }

            _tentative = true;
            return false;
        }
    }

    /// <inheritdoc/>
    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    /// <inheritdoc/>
    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        // A partial advance (the reader keeps part of what it saw) needs no lock: the view's fields change only in
        // the reader's own calls, so the reader validates the positions and posts them, and the next locked section
        // (a write, a read, a counter) applies them first. That is where the advance takes effect; until then the
        // writer sees the view as held. Blocks the advance frees return to the pool at that moment too.
        long consumedAddr = 0;
        long examinedAddr = 0;
        bool resolved = false;
        if (!Volatile.Read(ref _advancePosted) && _holding && !_readerCompleted
            && TryResolveWithoutLock(consumed, examined, out consumedAddr, out examinedAddr))
        {
            if (consumedAddr != _viewEnd)
            {
                _postedConsumed = consumedAddr;
                _postedExamined = examinedAddr;
                Volatile.Write(ref _advancePosted, true);
                return;
            }

            // The whole view: applied now, under the lock, so a drained ring returns its blocks at once. The view
            // cannot change meanwhile (only a Complete can end it, checked below), so the positions stay resolved.
            resolved = true;
        }

        using (Enter())
        {
            ThrowIfReaderCompleted();
            if (!_holding)
            {
                if (_tentative)
                {
                    _tentative = false;
                    return;
                }

                throw new InvalidOperationException(NoReadToComplete);
            }

            if (!resolved)
            {
                (consumedAddr, examinedAddr) = Resolve(consumed, examined);
            }

            AdvanceCore(consumedAddr, examinedAddr);
        }
    }

    /// <inheritdoc/>
    public override void CancelPendingRead()
    {
        bool complete = false;
        ReadResult result = default;
        using (Enter())
        {
            if (_readerCompleted)
            {
                return;
            }

            _cancelNext = true;
            complete = TryTakePendingResult(out result);
        }

        if (complete)
        {
            CompletePending(result);
        }
    }

    /// <summary>Completes the reader: everything buffered or held is dropped (counted) and every block returned;
    /// later writes are dropped and counted. Called by the reader, which is done with the last view it was given.</summary>
    /// <param name="exception">Ignored; accepted for <see cref="PipeReader"/> compatibility.</param>
    public override void Complete(Exception? exception = null) => CompleteReader(keepHeldView: false);

    private void CompleteReader(bool keepHeldView)
    {
        using (Enter())
        {
            if (_readerCompleted)
            {
                if (!keepHeldView)
                {
                    ReleaseRetiredView();
                }

                return;
            }

            if (keepHeldView && _holding && _viewEndBlock is not null)
            {
                RetireHeldView();
            }

            _readerCompleted = true;
            _holding = false;
            _tentative = false;
            _dropped += _buffered + _held;
            _droppedChunks += _chunkCount;
            _buffered = 0;
            _held = 0;
            _chunkCount = 0;
            _heldChunks = 0;
            _chunkHead = 0;
            _viewEndBlock = null;
            ReleaseAllBlocks();
            if (_chunks.Length > 0)
            {
                ArrayPool<Chunk>.Shared.Return(_chunks);
                _chunks = Array.Empty<Chunk>();
                _chunkMask = 0;
            }
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

    /// <summary>Disposal while the reader holds a view: detaches the blocks from the chain's head through the view's
    /// last block, to be returned at the reader's next call (<see cref="ReleaseRetiredView"/>).</summary>
    private void RetireHeldView()
    {
        AudioBlock last = _viewEndBlock!;
        AudioBlock first = _head!;
        int count = 1;
        for (AudioBlock b = first; !ReferenceEquals(b, last); b = b.NextBlock!)
        {
            count++;
        }

        AudioBlock? rest = ReferenceEquals(last, _tail) ? null : last.NextBlock;
        last.SetNext(null);
        _retired = first;
        _retiredCount = count;
        _chainBlocks -= count;
        if (rest is null)
        {
            _head = null;
            _tail = null;
        }
        else
        {
            _head = rest;
        }
    }

    /// <summary>The reader called again after a disposal that kept its view: the view's blocks go back now.</summary>
    private void ReleaseRetiredView()
    {
        if (_retired is not null)
        {
            DeferReturn(_retired, _retiredCount);
            _retired = null;
            _retiredCount = 0;
        }
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token)
    {
        // Throws what the wait ended with (the producer's error, the token's cancellation) and validates the token.
        _source.GetResult(token);
        using (Enter())
        {
            if (!_owed)
            {
                throw new InvalidOperationException(NoReadToComplete);
            }

            _owed = false;
            if (_readerCompleted)
            {
                // Completed (or disposed) after the wake: nothing to hand over.
                return new ReadResult(default, isCanceled: false, isCompleted: true);
            }

            return TakeResult();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _source.OnCompleted(continuation, state, token, flags);

    private ValueTask<ReadResult> ReadCore(int minimum, CancellationToken cancellationToken)
    {
        using (Enter())
        {
            ThrowIfCannotRead();
            _tentative = false;
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<ReadResult>(cancellationToken);
            }

            if (TryTakeResult(minimum, out ReadResult result))
            {
                return new ValueTask<ReadResult>(result);
            }

            _source.Reset();
            _pending = true;
            _pendingMinimum = minimum;
            _pendingToken = cancellationToken;
            short version = _source.Version;
            if (cancellationToken.CanBeCanceled && !RegisterCancellation(cancellationToken))
            {
                return ValueTask.FromCanceled<ReadResult>(cancellationToken);
            }

            return new ValueTask<ReadResult>(this, version);
        }
    }

    /// <summary>Registers the pending read's cancellation, under the lock. A token cancelled on another thread since
    /// the read checked it runs the callback inside <c>UnsafeRegister</c>, on this thread, which holds the lock: the
    /// callback then only notes it (taking the lock would spin forever), and the read ends cancelled. False then.</summary>
    private bool RegisterCancellation(CancellationToken cancellationToken)
    {
        _registeringThread = Environment.CurrentManagedThreadId;
        _cancelledWhileRegistering = false;
        try
        {
            BeforeCancellationRegisteredForTests?.Invoke();
            _pendingRegistration = cancellationToken.UnsafeRegister(static s => ((AudioRingBuffer)s!).OnReadCancelled(), this);
        }
        finally
        {
            _registeringThread = 0;
        }

        if (!_cancelledWhileRegistering)
        {
            return true;
        }

        _pending = false;
        _pendingToken = default;
        _pendingRegistration = default;
        return false;
    }

    /// <summary>Tests only: runs in a read's registration of its token, with the lock held, just before the token is
    /// registered.</summary>
    internal Action? BeforeCancellationRegisteredForTests { get; set; }

    private void OnReadCancelled()
    {
        if (Volatile.Read(ref _registeringThread) == Environment.CurrentManagedThreadId)
        {
            // Called inside RegisterCancellation, under the lock this thread holds.
            _cancelledWhileRegistering = true;
            return;
        }

        CancellationToken token;
        using (Enter())
        {
            if (!_pending)
            {
                return;
            }

            _pending = false;
            token = _pendingToken;
            _pendingToken = default;
            _pendingRegistration = default;
        }

        _source.SetException(new OperationCanceledException(token));
    }

    private void ThrowIfCannotRead()
    {
        ThrowIfReaderCompleted();
        if (_holding || _pending || _owed)
        {
            throw new InvalidOperationException(AlreadyReading);
        }
    }

    /// <summary>Every reader call after completion throws; it is also the reader's next call after a disposal that
    /// kept its view, whose blocks go back now.</summary>
    private void ThrowIfReaderCompleted()
    {
        if (_readerCompleted)
        {
            ReleaseRetiredView();
            throw new InvalidOperationException(NoReadingAfterComplete);
        }
    }

    private bool TryTakePendingResult(out ReadResult result)
    {
        result = default;
        if (!_pending || !IsReady(_pendingMinimum))
        {
            return false;
        }

        if (FailedWriter() is not null)
        {
            // The producer failed: the waiting reader gets its exception (thrown by GetResult), not the producer.
            _pendingError = _writerError!.SourceException;
        }
        else
        {
            _owed = true;
        }

        _pending = false;
        _pendingRegistration.Unregister();
        _pendingRegistration = default;
        _pendingToken = default;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CompletePendingIfReady()
    {
        if (TryTakePendingResult(out ReadResult result))
        {
            CompletePending(result);
        }
    }

    [DoesNotReturn]
    private static void ThrowWriterCompleted() =>
        throw new InvalidOperationException("Writing is not allowed after the writer was completed.");

    [DoesNotReturn]
    private void ThrowOversize(int length) =>
        throw new ArgumentException($"The chunk has {length} bytes, more than MaxChunkBytes ({_maxChunkBytes}).", "chunk");

    private void CompletePending(ReadResult result)
    {
        Exception? error = _pendingError;
        if (error is not null)
        {
            _pendingError = null;
            _source.SetException(error);
        }
        else
        {
            _source.SetResult(result);
        }
    }

    private bool IsReady(int minimum) => _cancelNext || _writerCompleted || (_buffered >= Math.Max(1, minimum) && !_waitForNew);

    private ExceptionDispatchInfo? FailedWriter() => _writerCompleted && !_cancelNext ? _writerError : null;

    /// <summary>Hands the buffered data to the reader when a read can complete now.</summary>
    private bool TryTakeResult(int minimum, out ReadResult result)
    {
        if (!IsReady(minimum))
        {
            result = default;
            return false;
        }

        result = TakeResult();
        return true;
    }

    /// <summary>Hands everything buffered to the reader as a view; throws the producer's error if it failed.</summary>
    private ReadResult TakeResult()
    {
        bool cancelled = _cancelNext;
        FailedWriter()?.Throw();

        _cancelNext = false;
        _holding = true;
        _writtenSinceRead = false;
        _gapDuringHold = false;
        _heldChunks = _chunkCount;
        _held = _buffered;
        _buffered = 0;
        ReadOnlySequence<byte> buffer;
        if (_held == 0)
        {
            buffer = default;
            _viewEndBlock = null;
            _viewStart = _viewEnd = _unheldStart;
        }
        else
        {
            AudioBlock start = _unheldBlock!;
            _viewStart = _unheldStart;
            _viewEnd = _tailAddr;
            _viewEndBlock = _tail;
            buffer = new ReadOnlySequence<byte>(start, (int)(_viewStart - start.RunningIndex), _tail!, (int)(_tailAddr - _tail!.RunningIndex));
            _unheldStart = _tailAddr;
            _unheldBlock = null;
        }

        return new ReadResult(buffer, cancelled, _writerCompleted);
    }

    /// <summary>Resolves an AdvanceTo's positions without the lock. False when they do not resolve: the locked path
    /// then resolves them again and throws what is wrong, which a disposal completing the reader meanwhile (it drops
    /// the view from another thread) turns into the documented error for reading after completion.</summary>
    private bool TryResolveWithoutLock(SequencePosition consumed, SequencePosition examined, out long consumedAddr, out long examinedAddr)
    {
        try
        {
            (consumedAddr, examinedAddr) = Resolve(consumed, examined);
            return true;
        }
        catch (InvalidOperationException)
        {
            consumedAddr = 0;
            examinedAddr = 0;
            return false;
        }
    }

    /// <summary>The addresses of an AdvanceTo's positions, validated against the view and each other.</summary>
    private (long Consumed, long Examined) Resolve(SequencePosition consumed, SequencePosition examined)
    {
        long consumedAddr = Resolve(consumed);
        long examinedAddr = Resolve(examined);
        if (examinedAddr < consumedAddr)
        {
            throw new InvalidOperationException(ExaminedBeforeConsumed);
        }

        return (consumedAddr, examinedAddr);
    }

    private long Resolve(SequencePosition position)
    {
        object? obj = position.GetObject();
        if (obj is null)
        {
            return _viewStart;
        }

        if (obj is not AudioBlock block)
        {
            // A position from another sequence (an array, a Pipe's segment, anything).
            throw new InvalidOperationException(PositionBeyondView);
        }

        long addr = block.RunningIndex + position.GetInteger();
        if (_viewEndBlock is null || !ReferenceEquals(block.Owner, this) || addr > _viewEnd)
        {
            if (ReferenceEquals(block.Owner, this) && addr < _viewStart)
            {
                throw new InvalidOperationException(AlreadyAdvancedPast);
            }

            throw new InvalidOperationException(PositionBeyondView);
        }

        if (addr < _viewStart)
        {
            throw new InvalidOperationException(AlreadyAdvancedPast);
        }

        return addr;
    }

    /// <summary>Applies the advance the reader posted without the lock (see <see cref="AdvanceTo(SequencePosition, SequencePosition)"/>);
    /// under the lock. A reader completed meanwhile has dropped the view, and the advance with it.</summary>
    private void ApplyPostedAdvance()
    {
        if (_holding && !_readerCompleted)
        {
            AdvanceCore(_postedConsumed, _postedExamined);
        }

        // After _holding is false: a reader that sees no posted advance sees the view released.
        Volatile.Write(ref _advancePosted, false);
    }

    private void AdvanceCore(long consumedAddr, long examinedAddr)
    {
        long consumedBytes = consumedAddr - _viewStart;
        Debug.Assert(consumedBytes >= 0 && consumedBytes <= _held, "The advance lies outside the held view.");
        Debug.Assert(_viewEndBlock is not null || consumedBytes == 0, "An empty view was advanced past its start.");
        _consumed += consumedBytes;

        // Pop held chunks consumed entirely; shorten a partly consumed one.
        while (_heldChunks > 0)
        {
            ref Chunk c = ref _chunks[_chunkHead];
            long end = c.Start + c.Length;
            if (end <= consumedAddr)
            {
                PopHead();
                _heldChunks--;
            }
            else
            {
                if (c.Start < consumedAddr)
                {
                    c.Length -= (int)(consumedAddr - c.Start);
                    c.Start = consumedAddr;
                }

                break;
            }
        }

        long rest = _held - consumedBytes;
        bool examinedAll = examinedAddr == _viewEnd && !_writtenSinceRead;
        if (_gapDuringHold)
        {
            _dropped += rest;
            _droppedChunks += _heldChunks;
            for (int i = _heldChunks; i > 0; i--)
            {
                PopHead();
            }

            _lastGap = _consumed;
        }
        else
        {
            _buffered += rest;
            if (rest > 0)
            {
                AudioBlock block = _viewEndBlock!;
                if (consumedAddr >= block.RunningIndex)
                {
                    _unheldBlock = block;
                }
                else
                {
                    AudioBlock b = _head!;
                    while (b.RunningIndex + b.Length <= consumedAddr)
                    {
                        b = b.NextBlock!;
                    }

                    _unheldBlock = b;
                }

                _unheldStart = consumedAddr;
            }
        }

        _heldChunks = 0;
        _held = 0;
        _holding = false;
        _viewEndBlock = null;
        _waitForNew = examinedAll;
        ReleaseLeadingBlocks();
    }

    /// <summary>Evicts the oldest chunk not handed to the reader. Returns its (remaining) bytes.</summary>
    private long EvictOldestBuffered()
    {
        int index = (_chunkHead + _heldChunks) & _chunkMask;
        Chunk victim = _chunks[index];

        // Remove the record at position _heldChunks: shift the held records one place towards the tail.
        for (int i = _heldChunks; i > 0; i--)
        {
            int to = (_chunkHead + i) & _chunkMask;
            int from = (_chunkHead + i - 1) & _chunkMask;
            _chunks[to] = _chunks[from];
        }

        _chunkHead = (_chunkHead + 1) & _chunkMask;
        _chunkCount--;
        _buffered -= victim.Length;
        _dropped += victim.Length;
        _droppedChunks++;

        long next = _chunkCount > _heldChunks ? _chunks[(_chunkHead + _heldChunks) & _chunkMask].Start : _tailAddr;
        if (_holding && _viewEndBlock is not null)
        {
            _gapDuringHold = true;
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
        if (_holding && _viewEndBlock is not null)
        {
            _gapDuringHold = true;
        }
        else
        {
            _lastGap = _consumed;
        }

        // A read waiting for a minimum while unread audio is lost: the caps (or the pool) stop the buffer short of it,
        // since a waiting reader holds nothing, so the buffer is full. The read takes what there is.
        if (_pending)
        {
            _pendingMinimum = 1;
        }
    }

    private void AdvanceUnheldStart(long next)
    {
        _unheldStart = next;
        if (_chunkCount == _heldChunks)
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

    /// <summary>Not holding a view: releases the blocks before the first buffered byte, or all when nothing is buffered.</summary>
    private void ReleaseLeadingBlocks()
    {
        if (_holding && _viewEndBlock is not null)
        {
            return;
        }

        if (_chunkCount == 0)
        {
            ReleaseAllBlocks();
            return;
        }

        if (ReferenceEquals(_head, _unheldBlock))
        {
            return;
        }

        AudioBlock first = _head!;
        AudioBlock last = first;
        int count = 1;
        while (!ReferenceEquals(last.NextBlock, _unheldBlock))
        {
            last = last.NextBlock!;
            count++;
        }

        _head = _unheldBlock;
        _chainBlocks -= count;
        Recycle(first, last, count);
    }

    /// <summary>Holding a view after an eviction: releases the blocks wholly between the view and the buffered data.</summary>
    private void ReleaseGapBlocks()
    {
        AudioBlock viewEnd = _viewEndBlock!;
        if (ReferenceEquals(viewEnd, _unheldBlock))
        {
            return;
        }

        AudioBlock? first = ReferenceEquals(viewEnd, _tail) ? null : viewEnd.NextBlock;
        if (first is not null && !ReferenceEquals(first, _unheldBlock))
        {
            AudioBlock last = first;
            int count = 1;
            while (!ReferenceEquals(last, _tail) && !ReferenceEquals(last.NextBlock, _unheldBlock))
            {
                last = last.NextBlock!;
                count++;
            }

            _chainBlocks -= count;
            Recycle(first, last, count);
        }

        viewEnd.SetNext(_unheldBlock);
        if (_unheldBlock is null)
        {
            if (!ReferenceEquals(_tail, viewEnd))
            {
                _tail = viewEnd;
                _tailAddr = viewEnd.RunningIndex + viewEnd.Length;
            }
        }
    }

    /// <summary>Returns every block, the spares included, to the pool. O(spares): the chain is handed over whole
    /// (its length is counted as it changes), and the pool walks it after the lock is released.</summary>
    private void ReleaseAllBlocks()
    {
        if (_head is not null)
        {
            _tail!.SetNext(null);
            DeferReturn(_head, _tail, _chainBlocks);
            _chainBlocks = 0;
        }

        ReturnSpares(ref _spares);
        ReturnSpares(ref _largeSpares);

        if (_tail is not null)
        {
            _tailAddr = _tail.RunningIndex + _tail.Length;
        }

        _head = null;
        _tail = null;
        _unheldBlock = null;
        _unheldStart = _tailAddr;
        if (!_holding)
        {
            // A held view's addresses change only in the reader's own calls: the reader resolves its positions
            // against them without the lock (an empty view, which holds no block, is still held until advanced).
            _viewStart = _viewEnd = _tailAddr;
        }
        if (_chunkCount == 0 && _chunks.Length > 0 && !_readerCompleted)
        {
            ArrayPool<Chunk>.Shared.Return(_chunks);
            _chunks = Array.Empty<Chunk>();
            _chunkMask = 0;
            _chunkHead = 0;
        }
    }

    /// <summary>Takes blocks no longer in the chain (<paramref name="first"/> to <paramref name="last"/>, linked by
    /// Next): keeps them as spares of their size up to the limits, returns the rest to the pool in one call.</summary>
    private void Recycle(AudioBlock first, AudioBlock last, int count)
    {
        AudioBlock? returnFirst = null;
        AudioBlock? returnLast = null;
        int returned = 0;
        AudioBlock? block = first;
        for (int i = 0; i < count; i++)
        {
            AudioBlock current = block!;
            block = ReferenceEquals(current, last) ? null : current.NextBlock;
            if (SparesFor(current.Length != _blockSize).TryPush(current))
            {
                continue;
            }

            current.SetNext(returnFirst);
            returnFirst = current;
            returnLast ??= current;
            returned++;
        }

        if (returnFirst is not null)
        {
            DeferReturn(returnFirst, returnLast!, returned);
        }
    }

    /// <summary>Puts up to <paramref name="count"/> blocks of one size into the rent scratch from <paramref name="at"/>:
    /// spares first, then the pool. Returns how many; fewer when the pool's budget is exhausted.</summary>
    private int RentBlocks(int at, int count, bool large)
    {
        int got = 0;
        ref SpareList spares = ref SparesFor(large);
        while (got < count && spares.TryPop(out AudioBlock? block))
        {
            _rentScratch[at + got++] = block;
        }

        if (got < count)
        {
            // The spares are empty and the buffer is streaming (it has a tail): take one small block more than
            // needed in the same pool call and keep it as the spare for the next write (within the spare limit, the
            // blocks a write needs plus one). A buffer filling from empty then calls the pool about half as often,
            // and a pool call costs about what copying 640 B does. Not for a first write, which may be the only
            // one, nor for large blocks, where the spare would be 64 KB.
            int want = count - got;
            if (!large && _tail is not null && spares.Count < spares.Limit && at + count < _rentScratch.Length)
            {
                want++;
            }

            int rented = _pool.TryRent(_rentScratch.AsSpan(at + got, want), large);
            _rentedBlocks += rented;
            for (int i = 0; i < rented; i++)
            {
                _rentScratch[at + got + i]!.Owner = this;
            }

            if (rented > count - got)
            {
                AudioBlock extra = _rentScratch[at + count]!;
                _rentScratch[at + count] = null;
                bool kept = spares.TryPush(extra);
                Debug.Assert(kept, "The extra block was asked for only while the spare list had room.");
                rented--;
            }

            got += rented;
        }

        return got;
    }

    private void PopHead()
    {
        _chunkHead = (_chunkHead + 1) & _chunkMask;
        _chunkCount--;
    }

    private void Append(ReadOnlySpan<byte> chunk, int rented)
    {
        if (_chunkCount == _chunks.Length)
        {
            GrowChunks();
        }

        long start = _tailAddr;
        AudioBlock startBlock;
        int from = 0;
        if (_tail is null)
        {
            // Empty: the chunk starts at the first new block.
            AudioBlock first = _rentScratch[0]!;
            _rentScratch[0] = null;
            first.SetRunningIndex(start);
            first.SetNext(null);
            _head = _tail = first;
            _chainBlocks = 1;
            startBlock = first;
            from = 1;
        }
        else if (_tailAddr == _tail.RunningIndex + _tail.Length)
        {
            // The tail is full: the chunk starts in the first new block, whose address is _tailAddr.
            startBlock = _rentScratch[0]!;
        }
        else
        {
            startBlock = _tail;
        }

        for (int i = from; i < rented; i++)
        {
            LinkAtTail(_rentScratch[i]!);
            _rentScratch[i] = null;
        }

        CopyIn(chunk, startBlock, start);
        RecordChunk(start, chunk.Length, startBlock);
    }

    /// <summary>The common write: both ends open, no cap reached, the chunk table has room, and the chunk fits in
    /// the tail block's free space or in that and one spare block. Copies and records it; false (nothing changed)
    /// otherwise.</summary>
    private bool TryAppendToTail(ReadOnlySpan<byte> chunk)
    {
        AudioBlock? tail = _tail;
        int length = chunk.Length;
        if (tail is null || _writerCompleted || _readerCompleted || length == 0 || length > _maxChunkBytes
            || _chunkCount >= _maxChunks || _chunkCount >= _chunks.Length || _held + _buffered + length > _maxBytes)
        {
            return false;
        }

        long start = _tailAddr;
        int room = (int)(tail.RunningIndex + tail.Length - start);
        AudioBlock startBlock = tail;
        if (length > room)
        {
            // The rest fits in one spare block (a 3200 B frame in 4 KB blocks mostly does): link it.
            AudioBlock? next = _spares.Head;
            if (next is null || length - room > next.Length)
            {
                return false;
            }

            _spares.TryPop(out _);
            LinkAtTail(next);
            if (room == 0)
            {
                startBlock = next;
            }
        }

        _written += length;
        CopyIn(chunk, startBlock, start);
        RecordChunk(start, length, startBlock);
        return true;
    }

    /// <summary>Links a block after the tail, at the address where the tail ends.</summary>
    private void LinkAtTail(AudioBlock block)
    {
        AudioBlock tail = _tail!;
        block.SetRunningIndex(tail.RunningIndex + tail.Length);
        block.SetNext(null);
        tail.SetNext(block);
        _tail = block;
        _chainBlocks++;
    }

    /// <summary>Copies a chunk into the chain from address <paramref name="start"/>, which lies in
    /// <paramref name="startBlock"/> (or at its end), across as many linked blocks as it needs.</summary>
    private static void CopyIn(ReadOnlySpan<byte> chunk, AudioBlock startBlock, long start)
    {
        AudioBlock current = startBlock;
        int offset = (int)(start - current.RunningIndex);
        if (offset == current.Length)
        {
            current = current.NextBlock!;
            offset = 0;
        }

        while (true)
        {
            int n = Math.Min(current.Length - offset, chunk.Length);
            chunk.Slice(0, n).CopyTo(current.Array.AsSpan(current.Offset + offset, n));
            chunk = chunk.Slice(n);
            if (chunk.IsEmpty)
            {
                return;
            }

            current = current.NextBlock!;
            offset = 0;
        }
    }

    /// <summary>Records a chunk just copied in at <paramref name="start"/> and wakes a waiting read it satisfies
    /// (continuations run asynchronously, so completing the read under the lock runs no reader code here).</summary>
    private void RecordChunk(long start, int length, AudioBlock startBlock)
    {
        _tailAddr = start + length;
        if (_chunkCount == _heldChunks)
        {
            _unheldStart = start;
            _unheldBlock = startBlock;
        }

        _chunks[(_chunkHead + _chunkCount) & _chunkMask] = new Chunk(start, length);
        _chunkCount++;
        _buffered += length;
        _writtenSinceRead = true;
        _waitForNew = false;
        if (_pending)
        {
            CompletePendingIfReady();
        }
    }

    private void GrowChunks()
    {
        // The first table holds 64 records (1 KB, about a second of 20 ms frames): a buffer that fills and drains
        // in bursts gets it back from ArrayPool once per burst instead of growing it 16 → 32 → 64 each time.
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Min(Math.Max(64, _chunks.Length * 2), Math.Max(16, _maxChunks)));
        Chunk[] bigger = ArrayPool<Chunk>.Shared.Rent(size);
        if (!BitOperations.IsPow2(bigger.Length))
        {
            ArrayPool<Chunk>.Shared.Return(bigger);
            bigger = new Chunk[size];
        }

        for (int i = 0; i < _chunkCount; i++)
        {
            bigger[i] = _chunks[(_chunkHead + i) & _chunkMask];
        }

        if (_chunks.Length > 0)
        {
            ArrayPool<Chunk>.Shared.Return(_chunks);
        }

        _chunks = bigger;
        _chunkMask = bigger.Length - 1;
        _chunkHead = 0;
    }

    /// <summary>Queues blocks this buffer rented (linked by Next, the last one's Next null) for the pool, and stops
    /// counting them as rented; they are returned when the lock is released, so the pool's lock is never taken while
    /// this buffer's is held.</summary>
    private void DeferReturn(AudioBlock first, int count)
    {
        AudioBlock last = first;
        for (int i = 1; i < count; i++)
        {
            last = last.NextBlock!;
        }

        DeferReturn(first, last, count);
    }

    private void DeferReturn(AudioBlock first, AudioBlock last, int count)
    {
        _rentedBlocks -= count;
        last.SetNext(_returning);
        _returning = first;
        _returningCount += count;
    }

    private ref SpareList SparesFor(bool large) => ref large ? ref _largeSpares : ref _spares;

    /// <summary>Returns a spare list's blocks to the pool (once the lock is released) and empties it.</summary>
    private void ReturnSpares(ref SpareList spares)
    {
        if (spares.Head is not null)
        {
            DeferReturn(spares.Head, spares.Count);
            spares.Head = null;
            spares.Count = 0;
        }
    }

    private GateScope Enter() => new(this);

    /// <summary>Takes the lock (one compare-exchange when it is free), then applies an advance the reader posted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EnterGate()
    {
        if (Interlocked.CompareExchange(ref _gate, 1, 0) != 0)
        {
            EnterGateContended();
        }

        if (_advancePosted)
        {
            ApplyPostedAdvanceOrExit();
        }
    }

    /// <summary>Applies a posted advance just after taking the lock. Positions were validated when posted, so this
    /// cannot fail unless the buffer's own invariants are broken; even then the lock is released and the advance is
    /// not applied again, so no later call (a write, a disposal) spins on a lock nobody holds.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ApplyPostedAdvanceOrExit()
    {
        try
        {
            ApplyPostedAdvance();
        }
        catch
        {
            Volatile.Write(ref _advancePosted, false);
            ExitGate();
            throw;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterGateContended()
    {
        // The holder stays for at most one chunk's copy: spin, then spin and yield, but never sleep a whole
        // millisecond (SpinWait's default after 20 turns). With that sleep, a reader woken while the producer wrote
        // back to back slept through the producer's whole burst (1024 writes of 32 KB: 1.5 ms, everything buffered).
        // The waiter counts itself in _waiting, so that such a producer gives way to it (see GiveWay).
        // The count is released in a finally: a Thread.Interrupt can throw out of SpinOnce's yield, and a count left
        // behind would make the producer wait its whole bound at every give-way.
        Interlocked.Increment(ref _waiting);
        try
        {
            for (int i = 0; i < ActiveSpins; i++)
            {
                Thread.SpinWait(8);
                if (TryTakeGateWhenFree())
                {
                    return;
                }
            }

            SpinWait spinner = default;
            do
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
            while (!TryTakeGateWhenFree());
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>A waiter's attempt: the compare-exchange only when a plain read sees the lock free, so spinning
    /// threads read the lock's cache line instead of taking it from its holder.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryTakeGateWhenFree() => Volatile.Read(ref _gate) == 0 && Interlocked.CompareExchange(ref _gate, 1, 0) == 0;

    /// <summary>Called by <see cref="Write"/> while another thread waits for the lock. The lock is not fair: a producer
    /// writing back to back takes it again as soon as it releases it, ahead of the waiter. When a chunk's copy is long
    /// (32 KB), the waiting reader then got in about once per 1024 writes: everything written meanwhile stayed
    /// buffered, in blocks that had left the cache by the time they were read and came back to be written again (the
    /// ring was 3–4× slower than memcpy, and slower than a Channel whose reader got in every 8–17 chunks). Now, once
    /// the producer has written <see cref="GiveWayBytes"/> while threads waited, it waits until no thread is waiting
    /// (the waiter has got in; a thread reading the counters counts as a waiter too), for at most
    /// <see cref="GiveWayMaxTurns"/> turns of <c>Thread.SpinWait(4)</c> (16 µs on the benchmark machine: a waiter that is
    /// not running, preempted say, does not hold the producer up for longer). A waiting reader that is running thus
    /// gets in at least once per 256 KB, and the blocks it frees come back to the writer while still in the cache.
    /// Short chunks are hardly affected: a reader mostly gets in between two of them anyway.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GiveWay(int length)
    {
        _overtakenBytes += length;
        if (_overtakenBytes < GiveWayBytes)
        {
            return;
        }

        _overtakenBytes = 0;
        _giveWays++;
        for (int i = 0; i < GiveWayMaxTurns && Volatile.Read(ref _waiting) != 0; i++)
        {
            Thread.SpinWait(4);
            _giveWayTurns++;
        }
    }

    /// <summary>The most turns <see cref="GiveWay"/> waits.</summary>
    internal const int GiveWayMaxTurns = 100;

    /// <summary>Tests only: how many times the producer gave way (<see cref="GiveWay"/>).</summary>
    internal long GiveWays => _giveWays;

    /// <summary>Tests only: how many turns the producer has waited while giving way, in all.</summary>
    internal long GiveWayTurns => _giveWayTurns;

    /// <summary>Tests only: counts <paramref name="delta"/> more (or fewer) threads as waiting for the lock.</summary>
    internal void AddLockWaiters(int delta) => Interlocked.Add(ref _waiting, delta);

    /// <summary>Releases the lock, then returns to the pool the blocks released while it was held (so the pool's lock
    /// is never taken under this one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ExitGate()
    {
        AssertInvariant();
        AudioBlock? returning = _returning;
        if (returning is null)
        {
            Volatile.Write(ref _gate, 0);
            return;
        }

        int count = _returningCount;
        _returning = null;
        _returningCount = 0;
        Volatile.Write(ref _gate, 0);
        _pool.Return(returning, count);
    }

    /// <summary>Debug builds: checks the buffer's invariants each time the lock is released (a posted advance not yet
    /// applied changes none of them).</summary>
    [Conditional("DEBUG")]
    private void AssertInvariant()
    {
        Debug.Assert(_consumed >= 0 && _dropped >= 0 && _buffered >= 0 && _held >= 0, "A byte counter is negative.");
        Debug.Assert(_consumed + _dropped + _buffered + _held == _written, "ConsumedBytes + DroppedBytes + BufferedBytes + HeldBytes != WrittenBytes.");
        Debug.Assert(_held + _buffered <= _maxBytes, "More bytes held and buffered than MaxBytes.");
        Debug.Assert(_heldChunks >= 0 && _heldChunks <= _chunkCount && _chunkCount <= _maxChunks, "Chunk counts out of range.");
        Debug.Assert(_holding || (_held == 0 && _heldChunks == 0), "Bytes held with no view.");
        Debug.Assert(_holding || _viewEndBlock is null, "A view's end block kept after the view.");
        Debug.Assert(_chunkCount > _heldChunks || _unheldBlock is null, "A buffered region with no chunk.");
        Debug.Assert(_chunkCount == 0 || _head is not null, "Chunks with no block.");
        Debug.Assert(_rentedBlocks >= 0, "More blocks returned than rented.");
        Debug.Assert(!_readerCompleted || (_chunkCount == 0 && _head is null), "A completed reader's buffer holds audio.");
    }

    /// <summary>Holds the lock for a <c>using</c> block (<see cref="EnterGate"/>, <see cref="ExitGate"/>).</summary>
    private readonly ref struct GateScope
    {
        private readonly AudioRingBuffer _buffer;

        public GateScope(AudioRingBuffer buffer)
        {
            _buffer = buffer;
            buffer.EnterGate();
        }

        public void Dispose() => _buffer.ExitGate();
    }

    /// <summary>Spare blocks of one size, linked by Next; at most <see cref="Limit"/> of them are kept.</summary>
    private struct SpareList
    {
        public AudioBlock? Head;
        public int Count;
        public int Limit;

        public bool TryPush(AudioBlock block)
        {
            if (Count >= Limit)
            {
                return false;
            }

            block.SetNext(Head);
            Head = block;
            Count++;
            return true;
        }

        public bool TryPop([NotNullWhen(true)] out AudioBlock? block)
        {
            block = Head;
            if (block is null)
            {
                return false;
            }

            Head = block.NextBlock;
            Count--;
            return true;
        }
    }

    private struct Chunk
    {
        public long Start;
        public int Length;

        public Chunk(long start, int length)
        {
            Start = start;
            Length = length;
        }
    }
}
