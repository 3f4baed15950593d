using System;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace SessionGuard.Audio;

// The producer's side: Write (the common path and the general one: caps, eviction, renting blocks, dropping) and
// CompleteWriter.
public sealed partial class AudioRingBuffer
{
    // [lock] The producer's failure, given to CompleteWriter (completion itself is a flag: AudioRingBuffer.Flags.cs).
    private ExceptionDispatchInfo? _writerError;

    /// <summary>How many times one write asks the pool to take memory back from other rings.</summary>
    private const int MaxReclaimsPerWrite = 3;

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
}
