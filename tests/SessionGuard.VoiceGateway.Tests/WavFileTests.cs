using System;
using System.Buffers.Binary;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Audio;

namespace SessionGuard.VoiceGateway.Tests;

public class WavFileTests
{
    [Fact]
    public async Task A_written_file_has_a_valid_riff_header_followed_by_the_samples()
    {
        byte[] pcm = SpeechSynthesizer.Generate(3, TimeSpan.FromMilliseconds(1500));
        string path = Path.Combine(Path.GetTempPath(), "wavtest-" + Guid.NewGuid().ToString("N") + ".wav");
        try
        {
            await WavFile.WriteAsync(path, pcm, CancellationToken.None);
            byte[] file = await File.ReadAllBytesAsync(path);

            Assert.Equal(44 + pcm.Length, file.Length);
            ReadOnlySpan<byte> h = file;
            Assert.Equal("RIFF"u8.ToArray(), h[..4].ToArray());
            Assert.Equal(file.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(h[4..]));
            Assert.Equal("WAVE"u8.ToArray(), h[8..12].ToArray());
            Assert.Equal("fmt "u8.ToArray(), h[12..16].ToArray());
            Assert.Equal(16, BinaryPrimitives.ReadInt32LittleEndian(h[16..]));
            Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(h[20..]));      // PCM
            Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(h[22..]));      // mono
            Assert.Equal(16_000, BinaryPrimitives.ReadInt32LittleEndian(h[24..])); // sample rate
            Assert.Equal(32_000, BinaryPrimitives.ReadInt32LittleEndian(h[28..])); // byte rate
            Assert.Equal(2, BinaryPrimitives.ReadInt16LittleEndian(h[32..]));      // block align
            Assert.Equal(16, BinaryPrimitives.ReadInt16LittleEndian(h[34..]));     // bits per sample
            Assert.Equal("data"u8.ToArray(), h[36..40].ToArray());
            Assert.Equal(pcm.Length, BinaryPrimitives.ReadInt32LittleEndian(h[40..]));
            Assert.Equal(pcm, file[44..]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_short_header_buffer_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => WavFile.WriteHeader(new byte[43], 0));
        Assert.Equal("header", error.ParamName);
    }
}
