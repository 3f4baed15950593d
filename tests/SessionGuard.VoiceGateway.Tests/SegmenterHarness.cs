using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.Audio;
using SessionGuard.VoiceGateway.Audio;
using SessionGuard.VoiceGateway.Segmentation;

namespace SessionGuard.VoiceGateway.Tests;

internal static class SegmenterHarness
{
    /// <summary>A ring that holds a whole test stream without dropping anything.</summary>
    public static AudioRingBuffer LargeRing() => new(new AudioRingBufferOptions { MaxChunks = 100_000, MaxBytes = 64L * 1024 * 1024 });

    public static void WriteFrames(AudioRingBuffer ring, byte[] pcm)
    {
        for (int offset = 0; offset < pcm.Length; offset += PcmFormat.FrameBytes)
        {
            ring.Write(pcm.AsSpan(offset, Math.Min(PcmFormat.FrameBytes, pcm.Length - offset)));
        }
    }

    /// <summary>Writes all of <paramref name="pcm"/> in 20 ms frames, completes the writer, and segments it.</summary>
    public static async Task<List<RecordedUtterance>> SegmentAsync(byte[] pcm, SegmenterOptions options)
    {
        await using var ring = LargeRing();
        WriteFrames(ring, pcm);
        ring.CompleteWriter();
        var utterances = new List<RecordedUtterance>();
        await UtteranceSegmenter.RunAsync(ring, options, new UtteranceBufferPool(), (u, _) =>
        {
            utterances.Add(RecordedUtterance.Copy(u));
            return default;
        }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, ring.DroppedBytes);
        return utterances;
    }

    public static byte[] Concatenate(IEnumerable<RecordedUtterance> utterances)
    {
        var all = new List<byte>();
        foreach (var u in utterances)
        {
            all.AddRange(u.Pcm);
        }

        return all.ToArray();
    }
}
