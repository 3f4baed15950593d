using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.Audio;
using SessionGuard.VoiceGateway.Audio;

namespace SessionGuard.VoiceGateway.Segmentation;

/// <summary>
/// Cuts a PCM stream, read from a <see cref="PipeReader"/>, into utterances by short-time energy: each cut lies
/// between <see cref="SegmenterOptions.EarliestCut"/> and <see cref="SegmenterOptions.LatestCut"/> (2–8 s by
/// default, centred on the 5 s target) at the centre of the quietest 100 ms window there, ties going to the cut
/// nearest the target. Every byte read goes into exactly one utterance, in order. Reading an
/// <see cref="AudioRingBuffer"/>, a discontinuity (audio the ring dropped) ends the current utterance, however short,
/// and the next one starts after the gap; so does the end of the stream.
/// </summary>
/// <remarks>
/// The current utterance lives in one buffer (at most <see cref="SegmenterOptions.LatestCut"/> plus half a window:
/// 8.05 s, 258 KB by default), with one energy per 10 ms, rented from the pipeline's <see cref="UtteranceBufferPool"/>
/// when the stream starts and returned when it ends; a read allocates nothing. An utterance is handed to the callback
/// after the segmenter has advanced the reader, so a slow callback never holds the ring's memory.
/// </remarks>
internal sealed class UtteranceSegmenter
{
    private const int StepBytes = 10 * PcmFormat.BytesPerMillisecond;
    private const int HalfWindowSteps = 5;
    private const int MinimumReadBytes = 100 * PcmFormat.BytesPerMillisecond;

    private readonly PipeReader _reader;
    private readonly AudioRingBuffer? _ring;
    private readonly Func<Utterance, CancellationToken, ValueTask> _onUtterance;
    private readonly int _earliestStep;
    private readonly int _targetStep;
    private readonly int _latestStep;
    private byte[] _audio = Array.Empty<byte>();
    private long[] _energy = Array.Empty<long>(); // sum of squared samples of each complete 10 ms step
    private int _length;                           // bytes of the current utterance
    private long _start;                           // its offset in the stream as read
    private int _index;
    private bool _afterGap;
    private long _handledGap = -1;

    private UtteranceSegmenter(PipeReader reader, SegmenterOptions options, Func<Utterance, CancellationToken, ValueTask> onUtterance)
    {
        _reader = reader;
        _ring = reader as AudioRingBuffer;
        _onUtterance = onUtterance;
        _earliestStep = Steps(options.EarliestCut);
        _targetStep = Steps(options.TargetLength);
        _latestStep = Steps(options.LatestCut);
    }

    /// <summary>
    /// Reads <paramref name="reader"/> to its end, calling <paramref name="onUtterance"/> for each utterance in order
    /// (awaited before reading on). Completes when the stream ended and the last utterance was handled.
    /// </summary>
    /// <param name="reader">The stream.</param>
    /// <param name="options">How to cut it.</param>
    /// <param name="buffers">Where the stream's buffer comes from and goes back to when the stream ends.</param>
    /// <param name="onUtterance">Receives each utterance.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid (the exception names it).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task RunAsync(PipeReader reader, SegmenterOptions options, UtteranceBufferPool buffers, Func<Utterance, CancellationToken, ValueTask> onUtterance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentNullException.ThrowIfNull(onUtterance);
        options.Validate();
        var segmenter = new UtteranceSegmenter(reader, options, onUtterance);
        int capacitySteps = segmenter._latestStep + HalfWindowSteps;
        UtteranceBuffer buffer = buffers.Rent(capacitySteps * StepBytes, capacitySteps);
        segmenter._audio = buffer.Audio;
        segmenter._energy = buffer.Energy;
        try
        {
            await segmenter.ReadAllAsync(capacitySteps * StepBytes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            buffers.Return(buffer);
        }
    }

    private static int Steps(TimeSpan duration) => (int)(duration.Ticks / SegmenterOptions.Step.Ticks);

    private async Task ReadAllAsync(int capacity, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await _reader.ReadAtLeastAsync(MinimumReadBytes, cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;

            // A fully-advancing reader of the ring always finds a new gap where its next read begins.
            long gap = _ring?.LastGapOffset ?? -1;
            if (gap != _handledGap)
            {
                _handledGap = gap;
                bool flush = _length > 0;
                if (flush)
                {
                    _reader.AdvanceTo(buffer.Start);
                    await EmitAsync(_length, UtteranceEnd.Discontinuity, cancellationToken).ConfigureAwait(false);
                }

                _afterGap = true;
                if (flush)
                {
                    continue;
                }
            }

            int take = (int)Math.Min(buffer.Length, capacity - _length);
            ReadOnlySequence<byte> part = buffer.Slice(0, take);
            part.CopyTo(_audio.AsSpan(_length));
            AddEnergies(_length, _length + take);
            _length += take;
            bool tookAll = take == buffer.Length;
            _reader.AdvanceTo(part.End);

            if (_length == capacity)
            {
                await CutAsync(cancellationToken).ConfigureAwait(false);
            }

            if (result.IsCompleted && tookAll)
            {
                if (_length > 0)
                {
                    await EmitAsync(_length, UtteranceEnd.EndOfStream, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
        }
    }

    private void AddEnergies(int from, int to)
    {
        for (int step = from / StepBytes; step < to / StepBytes; step++)
        {
            ReadOnlySpan<byte> pcm = _audio.AsSpan(step * StepBytes, StepBytes);
            long sum = 0;
            for (int i = 0; i < pcm.Length; i += PcmFormat.BytesPerSample)
            {
                long sample = BinaryPrimitives.ReadInt16LittleEndian(pcm[i..]);
                sum += sample * sample;
            }

            _energy[step] = sum;
        }
    }

    /// <summary>Cuts at the centre of the quietest window whose centre lies in the cut range.</summary>
    private ValueTask CutAsync(CancellationToken cancellationToken)
    {
        long window = 0;
        for (int step = _earliestStep - HalfWindowSteps; step < _earliestStep + HalfWindowSteps; step++)
        {
            window += _energy[step];
        }

        int best = _earliestStep;
        long bestEnergy = window;
        for (int cut = _earliestStep + 1; cut <= _latestStep; cut++)
        {
            window += _energy[cut + HalfWindowSteps - 1] - _energy[cut - HalfWindowSteps - 1];
            if (window < bestEnergy || (window == bestEnergy && Math.Abs(cut - _targetStep) < Math.Abs(best - _targetStep)))
            {
                best = cut;
                bestEnergy = window;
            }
        }

        return EmitAsync(best * StepBytes, UtteranceEnd.Cut, cancellationToken);
    }

    /// <summary>Hands the first <paramref name="bytes"/> to the callback, then keeps the rest as the next utterance's start.</summary>
    private async ValueTask EmitAsync(int bytes, UtteranceEnd end, CancellationToken cancellationToken)
    {
        var utterance = new Utterance(_index++, _start, _audio.AsMemory(0, bytes), end, _afterGap);
        _afterGap = false;
        await _onUtterance(utterance, cancellationToken).ConfigureAwait(false);

        int rest = _length - bytes;
        _audio.AsSpan(bytes, rest).CopyTo(_audio);
        Array.Copy(_energy, bytes / StepBytes, _energy, 0, _length / StepBytes - bytes / StepBytes);
        _length = rest;
        _start += bytes;
    }
}
