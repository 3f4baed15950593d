using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace SessionGuard.Audio;

// Entering and leaving the buffer's lock (RingLock): what runs at entry (a posted advance, a posted give-back) and at
// exit (blocks back to the pool, the invariant check in debug builds).
public sealed partial class AudioRingBuffer
{
    // [volatile] The lock itself: interlocked and volatile operations only (see RingLock).
    // Every operation is short and bounded (at most one chunk's copy), and a voice server calls Write and the reader
    // methods tens of times per second per session: a spin lock that takes one atomic instruction to enter and none
    // to exit (see RingLock and docs/audio-ring-buffer.md, "Design notes").
    private RingLock _lock;

    private GateScope Enter() => new(this);

    /// <summary>Takes the lock, then applies an advance the reader posted and a give-back another ring asked for.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EnterGate()
    {
        _lock.Enter();
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
        if (!_lock.TryEnter())
        {
            return false;
        }

        if (_advancePosted)
        {
            ApplyPostedAdvanceOrExit();
        }

        return true;
    }

    /// <summary>Tests only: the lock, for its give-way counters and waiter hook.</summary>
    internal ref RingLock LockForTests => ref _lock;

    /// <summary>Releases the lock, then returns to the pool the blocks released while it was held (so the pool's lock
    /// is never taken under this one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ExitGate()
    {
        AssertInvariants();
        if (!_blocks.HasReturning)
        {
            _lock.Exit();
            return;
        }

        AudioBlock returning = _blocks.TakeReturning(out int count)!;
        _lock.Exit();
        _pool.Return(returning, count);
    }

    /// <summary>Debug builds: checks the buffer's invariants each time the lock is released (a posted advance not yet
    /// applied changes none of them).</summary>
    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_consumed >= 0 && _dropped >= 0 && _buffered >= 0 && _held >= 0, "A byte counter is negative.");
        Debug.Assert(_consumed + _dropped + _buffered + _held == _written, "ConsumedBytes + DroppedBytes + BufferedBytes + HeldBytes != WrittenBytes.");
        Debug.Assert(_held + _buffered <= _maxBytes, "More bytes held and buffered than MaxBytes.");
        Debug.Assert(_chunks.Held >= 0 && _chunks.Held <= _chunks.Count && _chunks.Count <= _maxChunks, "Chunk counts out of range.");
        Debug.Assert(Holding || (_held == 0 && _chunks.Held == 0), "Bytes held with no view.");
        Debug.Assert(Holding || _viewEndBlock is null, "A view's end block kept after the view.");
        Debug.Assert(!_chunks.AllHeld || _unheldBlock is null, "A buffered region with no chunk.");
        Debug.Assert(_chunks.Count <= _chunks.Capacity, "More chunk records than the table holds.");
        Debug.Assert(_chunks.Count == 0 || _blocks.Head is not null, "Chunks with no block.");
        Debug.Assert((_blocks.Head is null) == (_blocks.Tail is null), "A block chain with a head and no tail, or a tail and no head.");
        Debug.Assert(!(Pending && Owed), "A read both waiting and owed its view.");
        Debug.Assert(_blocks.RentedBlocks >= 0, "More blocks returned than rented.");
        Debug.Assert(!ReaderCompleted || (_chunks.Count == 0 && _blocks.Head is null), "A completed reader's buffer holds audio.");
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
