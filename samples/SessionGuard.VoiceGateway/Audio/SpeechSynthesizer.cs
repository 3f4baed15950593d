using System;
using System.Buffers.Binary;

namespace SessionGuard.VoiceGateway.Audio;

/// <summary>
/// Speech-like PCM (16 kHz, 16-bit mono): voiced bursts (the harmonics of a drifting pitch under a syllable envelope)
/// separated by pauses of varying length that hold only a faint noise floor. The same seed gives the same audio.
/// </summary>
/// <remarks>Not thread-safe: one synthesizer per stream.</remarks>
internal sealed class SpeechSynthesizer
{
    private const int Harmonics = 6;
    private const double NoiseFloor = 40;

    private readonly Random _random;
    private readonly double[] _phases = new double[Harmonics];
    private bool _voiced;
    private int _position;     // samples into the current burst or pause
    private int _length;       // samples of the current burst or pause
    private double _pitchStart;
    private double _pitchEnd;
    private double _peak;

    public SpeechSynthesizer(int seed)
    {
        _random = new Random(seed);
        StartPause();
    }

    /// <summary>Synthesizes <paramref name="duration"/> of audio.</summary>
    public static byte[] Generate(int seed, TimeSpan duration)
    {
        var pcm = new byte[PcmFormat.BytesFor(duration)];
        new SpeechSynthesizer(seed).Read(pcm);
        return pcm;
    }

    /// <summary>Fills <paramref name="destination"/> (an even number of bytes) with the next samples.</summary>
    public void Read(Span<byte> destination)
    {
        if (destination.Length % PcmFormat.BytesPerSample != 0)
        {
            throw new ArgumentException("The destination must hold whole 16-bit samples.", nameof(destination));
        }

        for (int i = 0; i < destination.Length; i += PcmFormat.BytesPerSample)
        {
            if (_position == _length)
            {
                if (_voiced)
                {
                    StartPause();
                }
                else
                {
                    StartBurst();
                }
            }

            double sample = _voiced ? NextVoicedSample() : (_random.NextDouble() * 2 - 1) * NoiseFloor;
            BinaryPrimitives.WriteInt16LittleEndian(destination[i..], (short)Math.Clamp(Math.Round(sample), short.MinValue, short.MaxValue));
            _position++;
        }
    }

    private void StartBurst()
    {
        _voiced = true;
        _position = 0;
        _length = SamplesOf(0.2 + _random.NextDouble() * 1.4);
        _pitchStart = 90 + _random.NextDouble() * 150;
        _pitchEnd = _pitchStart * (0.85 + _random.NextDouble() * 0.3);
        _peak = 4000 + _random.NextDouble() * 8000;
    }

    private void StartPause()
    {
        _voiced = false;
        _position = 0;
        // Mostly short gaps between words, sometimes a long pause between sentences.
        _length = SamplesOf(_random.NextDouble() < 0.7 ? 0.06 + _random.NextDouble() * 0.3 : 0.4 + _random.NextDouble() * 1.2);
    }

    private double NextVoicedSample()
    {
        double t = (double)_position / _length;
        double seconds = (double)_position / PcmFormat.SampleRate;
        double pitch = _pitchStart + (_pitchEnd - _pitchStart) * t;
        // Rises and falls over the burst, with about four syllables a second on top.
        double envelope = Math.Sqrt(Math.Sin(Math.PI * t)) * (0.55 + 0.45 * Math.Abs(Math.Sin(Math.PI * 4 * seconds)));
        double sum = 0;
        for (int k = 0; k < Harmonics; k++)
        {
            _phases[k] += 2 * Math.PI * pitch * (k + 1) / PcmFormat.SampleRate;
            if (_phases[k] > 2 * Math.PI)
            {
                _phases[k] -= 2 * Math.PI;
            }

            sum += Math.Sin(_phases[k]) / (k + 1);
        }

        return _peak * envelope * sum / 2.45 + (_random.NextDouble() * 2 - 1) * NoiseFloor;
    }

    private static int SamplesOf(double seconds) => Math.Max(1, (int)(seconds * PcmFormat.SampleRate));
}
