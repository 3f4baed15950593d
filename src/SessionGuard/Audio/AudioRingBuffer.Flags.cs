using System;
using System.Runtime.CompilerServices;

namespace SessionGuard.Audio;

// The ring's state flags: both ends' completion, the reader's view and the pending read, in one field.
public sealed partial class AudioRingBuffer
{
    // [lock] Written only under the lock. [reader] The reader's lock-free AdvanceTo also reads it, once (Holding and
    // not ReaderCompleted); reading an int is atomic, and the locked path checks again.
    private StateFlags _flags;

    [Flags]
    private enum StateFlags
    {
        None = 0,

        /// <summary>The reader completed (or the ring was disposed): writes are dropped, reads throw.</summary>
        ReaderCompleted = 1 << 0,

        /// <summary>The writer completed: the reader drains what is buffered, then sees completion.</summary>
        WriterCompleted = 1 << 1,

        /// <summary>The reader holds a view (a read returned, no AdvanceTo since), possibly empty.</summary>
        Holding = 1 << 2,

        /// <summary>Audio was lost while the reader held a view: the view's unconsumed rest is dropped at AdvanceTo.</summary>
        GapDuringHold = 1 << 3,

        /// <summary>A chunk was written since the reader's last read.</summary>
        WrittenSinceRead = 1 << 4,

        /// <summary>The reader examined everything it was given: the next read waits for new audio.</summary>
        WaitForNew = 1 << 5,

        /// <summary>The last TryRead returned nothing: an AdvanceTo without a view is allowed once, as with Pipe.</summary>
        Tentative = 1 << 6,

        /// <summary>A read waits in the value task source.</summary>
        Pending = 1 << 7,

        /// <summary>A waiting read was woken and its view is owed: GetResult takes it, so the reader gets everything
        /// written up to the moment it runs (as with Pipe), and the writer that woke it builds no view.</summary>
        Owed = 1 << 8,

        /// <summary>The token was cancelled inside its own registration, on the thread holding the lock.</summary>
        CancelledWhileRegistering = 1 << 9,

        /// <summary>CancelPendingRead was called: the next read (or the waiting one) completes cancelled.</summary>
        CancelNext = 1 << 10,
    }

    private bool ReaderCompleted
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_flags & StateFlags.ReaderCompleted) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Set(StateFlags.ReaderCompleted, value);
    }

    private bool WriterCompleted
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_flags & StateFlags.WriterCompleted) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Set(StateFlags.WriterCompleted, value);
    }

    private bool Holding
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_flags & StateFlags.Holding) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Set(StateFlags.Holding, value);
    }

    private bool GapDuringHold
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_flags & StateFlags.GapDuringHold) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Set(StateFlags.GapDuringHold, value);
    }

    private bool WrittenSinceRead
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_flags & StateFlags.WrittenSinceRead) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Set(StateFlags.WrittenSinceRead, value);
    }

    private bool WaitForNew
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_flags & StateFlags.WaitForNew) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Set(StateFlags.WaitForNew, value);
    }

    private bool Tentative
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_flags & StateFlags.Tentative) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Set(StateFlags.Tentative, value);
    }

    private bool Pending
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_flags & StateFlags.Pending) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Set(StateFlags.Pending, value);
    }

    private bool Owed
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_flags & StateFlags.Owed) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Set(StateFlags.Owed, value);
    }

    private bool CancelledWhileRegistering
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_flags & StateFlags.CancelledWhileRegistering) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Set(StateFlags.CancelledWhileRegistering, value);
    }

    private bool CancelNext
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_flags & StateFlags.CancelNext) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Set(StateFlags.CancelNext, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Set(StateFlags flag, bool value) => _flags = value ? _flags | flag : _flags & ~flag;
}
