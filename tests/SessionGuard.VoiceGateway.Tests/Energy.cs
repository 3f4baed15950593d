using System;
using System.Buffers.Binary;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>Short-time energy computed directly from samples, independently of the segmenter's bookkeeping.</summary>
internal static class Energy
{
    /// <summary>Sum of squared samples of the 100 ms window centred at byte offset <paramref name="center"/>.</summary>
    public static long WindowAt(byte[] pcm, long center)
    {
        long sum = 0;
        for (long i = center - 1600; i < center + 1600; i += 2)
        {
            long s = BinaryPrimitives.ReadInt16LittleEndian(pcm.AsSpan((int)i, 2));
            sum += s * s;
        }

        return sum;
    }

    /// <summary>Root-mean-square level of each consecutive 100 ms window.</summary>
    public static double[] WindowLevels(byte[] pcm)
    {
        var levels = new double[pcm.Length / 3200];
        for (int w = 0; w < levels.Length; w++)
        {
            levels[w] = Math.Sqrt(WindowAt(pcm, w * 3200L + 1600) / 1600.0);
        }

        return levels;
    }
}
