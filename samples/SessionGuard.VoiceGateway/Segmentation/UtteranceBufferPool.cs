using System;
using System.Collections.Generic;
using System.Threading;

namespace SessionGuard.VoiceGateway.Segmentation;

/// <summary>
/// The utterance buffers of one pipeline's segmenters: a stream rents one when it starts and returns it when it ends.
/// The pool keeps returned buffers only while the load needs them: never more idle buffers than streams running plus
/// one (for the next stream), so a burst's buffers go as its streams end, and after the last stream ends it keeps one.
/// Thread-safe.
/// </summary>
/// <remarks>
/// A buffer (8 s of audio, 258 KB by default) lives on the large object heap: allocating one per stream costs a
/// gen 2 collection every 16 streams in the session benchmark. <see cref="System.Buffers.ArrayPool{T}.Shared"/> would avoid that but
/// keeps what it is given, process-wide, as many as the busiest moment returned, until a minute after they were last
/// used.
/// </remarks>
internal sealed class UtteranceBufferPool
{
    private readonly Lock _gate = new();
    private readonly Stack<UtteranceBuffer> _idle = new();
    private int _running;

    /// <summary>Streams holding a buffer now.</summary>
    public int Running
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    /// <summary>Buffers kept for the next streams.</summary>
    public int Idle
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>A buffer of at least <paramref name="audioBytes"/> bytes and <paramref name="steps"/> energies, for one stream.</summary>
    public UtteranceBuffer Rent(int audioBytes, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(audioBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        lock (_gate)
        {
            _running++;
            while (_idle.TryPop(out UtteranceBuffer? idle))
            {
                if (idle.Audio.Length >= audioBytes && idle.Energy.Length >= steps)
                {
                    return idle;
                }
            }
        }

        return new UtteranceBuffer(GC.AllocateUninitializedArray<byte>(audioBytes), GC.AllocateUninitializedArray<long>(steps));
    }

    /// <summary>Gives back the buffer of a stream that ended; the pool keeps it, or drops it or another idle one.</summary>
    public void Return(UtteranceBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        lock (_gate)
        {
            if (_running == 0)
            {
                throw new InvalidOperationException("A buffer was returned that no running stream rented.");
            }

            _running--;
            _idle.Push(buffer);
            while (_idle.Count > _running + 1)
            {
                _idle.Pop();
            }
        }
    }
}

/// <summary>One stream's utterance audio and its energies per 10 ms step.</summary>
internal sealed class UtteranceBuffer(byte[] audio, long[] energy)
{
    public byte[] Audio { get; } = audio;

    public long[] Energy { get; } = energy;
}
