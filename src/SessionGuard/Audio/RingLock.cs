using System.Runtime.CompilerServices;
using System.Threading;

namespace SessionGuard.Audio;

/// <summary>
/// The <see cref="AudioRingBuffer"/>'s lock: a spin lock that takes one compare-exchange to enter and a release store
/// to exit, for sections that are short and bounded (at most one chunk's copy), with a give-way rule so that a
/// producer writing back to back lets a waiting thread in. Not reentrant. A field of its owner (a mutable struct:
/// never copy it); every field is touched with interlocked or volatile operations, or only by the holder.
/// </summary>
/// <remarks>
/// The lock is not fair: a producer writing back to back takes it again as soon as it releases it, ahead of a waiter.
/// So waiters count themselves, and once the producer has written <see cref="GiveWayBytes"/> while a thread waited,
/// <see cref="GiveWay"/> waits until no thread is waiting, for at most <see cref="GiveWayMaxTurns"/> turns: a
/// waiter that is running gets in at least once per 256 KB written, and one that is not (preempted) holds the producer
/// up for a bounded time only. A waiter spins, then spins and yields, and never sleeps. The measurements behind these
/// choices are in docs/audio-ring-buffer.md ("Design notes").
/// </remarks>
internal struct RingLock
{
    /// <summary>Bytes a producer writes while threads wait before it gives way once.</summary>
    internal const int GiveWayBytes = 256 * 1024;

    /// <summary>The most turns of <c>Thread.SpinWait(4)</c> <see cref="GiveWay"/> waits.</summary>
    internal const int GiveWayMaxTurns = 100;

    /// <summary>Turns of <c>Thread.SpinWait(8)</c> a waiter spins before it starts to yield, so that a producer giving
    /// way finds it still spinning rather than in a system call.</summary>
    private const int ActiveSpins = 64;

    // 0 free, 1 held.
    private int _gate;

    // Threads waiting in EnterContended; the bytes the producer has written while one was (counted across waits and
    // reset when it gives way: at worst it gives way early once); and, for tests, how many times it gave way and how
    // many turns it waited in all.
    private int _waiting;
    private long _overtakenBytes;
    private long _giveWays;
    private long _giveWayTurns;

    /// <summary>Whether a thread waits for the lock now.</summary>
    public bool HasWaiters
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _waiting) != 0;
    }

    /// <summary>Tests only: how many times the producer gave way.</summary>
    internal readonly long GiveWays => _giveWays;

    /// <summary>Tests only: how many turns the producer has waited while giving way, in all.</summary>
    internal readonly long GiveWayTurns => _giveWayTurns;

    /// <summary>Takes the lock, waiting (spinning, then yielding) while another thread holds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter()
    {
        if (Interlocked.CompareExchange(ref _gate, 1, 0) != 0)
        {
            EnterContended();
        }
    }

    /// <summary>Takes the lock only if it is free now.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnter() => Interlocked.CompareExchange(ref _gate, 1, 0) == 0;

    /// <summary>Releases the lock (a release store).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit() => Volatile.Write(ref _gate, 0);

    /// <summary>Called by a producer, before it takes the lock to write <paramref name="length"/> bytes, while
    /// <see cref="HasWaiters"/>: once per <see cref="GiveWayBytes"/> written meanwhile, waits (bounded) until no thread
    /// waits for the lock, so a waiting reader gets in.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void GiveWay(int length)
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

    /// <summary>Tests only: counts <paramref name="delta"/> more (or fewer) threads as waiting for the lock.</summary>
    internal void AddWaiters(int delta) => Interlocked.Add(ref _waiting, delta);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterContended()
    {
        // The holder stays for at most one chunk's copy: spin, then spin and yield, but never sleep a whole
        // millisecond (SpinWait's default after 20 turns), which would let a woken reader sleep through a producer's
        // whole burst. The waiter counts itself, so that such a producer gives way to it (GiveWay). The count is
        // released in a finally: a Thread.Interrupt can throw out of SpinOnce's yield, and a count left behind would
        // make the producer wait its whole bound at every give-way.
        Interlocked.Increment(ref _waiting);
        try
        {
            for (int i = 0; i < ActiveSpins; i++)
            {
                Thread.SpinWait(8);
                if (TryTakeWhenFree())
                {
                    return;
                }
            }

            SpinWait spinner = default;
            do
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
            while (!TryTakeWhenFree());
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>A waiter's attempt: the compare-exchange only when a plain read sees the lock free, so spinning
    /// threads read the lock's cache line instead of taking it from its holder.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryTakeWhenFree() => Volatile.Read(ref _gate) == 0 && Interlocked.CompareExchange(ref _gate, 1, 0) == 0;
}
