using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace SessionGuard.Audio;

// The buffer's lock: a spin lock with give-way for a producer writing back to back, the invariant check at each
// release, and the test hooks. Its fields are touched with interlocked or volatile operations only.
public sealed partial class AudioRingBuffer
{
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

        if (_giveBackRequest != 0)
        {
            GiveBackPosted();
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

    /// <summary>Takes the lock only if it is free now (then applies a posted advance, as <see cref="EnterGate"/>).</summary>
    private bool TryEnterGate()
    {
        if (Interlocked.CompareExchange(ref _gate, 1, 0) != 0)
        {
            return false;
        }

        if (_advancePosted)
        {
            ApplyPostedAdvanceOrExit();
        }

        return true;
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
}
