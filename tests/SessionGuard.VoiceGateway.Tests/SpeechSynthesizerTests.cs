using System;
using System.Linq;
using SessionGuard.VoiceGateway.Audio;

namespace SessionGuard.VoiceGateway.Tests;

public class SpeechSynthesizerTests
{
    [Fact]
    public void The_same_seed_gives_the_same_audio_and_another_seed_other_audio()
    {
        byte[] first = SpeechSynthesizer.Generate(42, TimeSpan.FromSeconds(5));
        byte[] again = SpeechSynthesizer.Generate(42, TimeSpan.FromSeconds(5));
        byte[] other = SpeechSynthesizer.Generate(43, TimeSpan.FromSeconds(5));

        Assert.Equal(PcmFormat.BytesPerSecond * 5, first.Length);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Reading_frame_by_frame_gives_the_same_stream_as_one_read()
    {
        byte[] whole = SpeechSynthesizer.Generate(9, TimeSpan.FromSeconds(3));
        var synthesizer = new SpeechSynthesizer(9);
        var framed = new byte[whole.Length];
        for (int offset = 0; offset < framed.Length; offset += PcmFormat.FrameBytes)
        {
            synthesizer.Read(framed.AsSpan(offset, PcmFormat.FrameBytes));
        }

        Assert.Equal(whole, framed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Speech_alternates_loud_bursts_and_quiet_pauses_of_varying_length(int seed)
    {
        double[] levels = Energy.WindowLevels(SpeechSynthesizer.Generate(seed, TimeSpan.FromSeconds(60)));

        bool[] quiet = levels.Select(l => l < 100).ToArray();
        Assert.Contains(levels, l => l > 1000);
        double quietShare = quiet.Count(q => q) / (double)quiet.Length;
        Assert.InRange(quietShare, 0.15, 0.6);
        var pauseLengths = quiet.Select((q, i) => (q, i))
            .Where(x => x.q && (x.i == 0 || !quiet[x.i - 1]))
            .Select(x => quiet.Skip(x.i).TakeWhile(q => q).Count())
            .ToHashSet();
        Assert.True(pauseLengths.Count >= 4, $"pause lengths (100 ms windows): {string.Join(", ", pauseLengths)}");
    }

    [Fact]
    public void An_odd_destination_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new SpeechSynthesizer(1).Read(new byte[3]));
        Assert.Equal("destination", error.ParamName);
    }
}
