namespace SessionGuard.VoiceGateway.Audio;

/// <summary>The gateway's one audio format: 16 kHz, 16-bit little-endian, mono PCM, sent in 20 ms frames.</summary>
internal static class PcmFormat
{
    public const int SampleRate = 16_000;
    public const int BytesPerSample = 2;
    public const int BytesPerSecond = SampleRate * BytesPerSample;
    public const int BytesPerMillisecond = BytesPerSecond / 1000;

    /// <summary>One 20 ms frame: 320 samples, 640 bytes.</summary>
    public const int FrameBytes = 20 * BytesPerMillisecond;

    public static int BytesFor(System.TimeSpan duration) => checked((int)(duration.Ticks * BytesPerSecond / System.TimeSpan.TicksPerSecond)) & ~1;

    public static System.TimeSpan DurationOf(int bytes) => System.TimeSpan.FromTicks((long)bytes * System.TimeSpan.TicksPerSecond / BytesPerSecond);
}
