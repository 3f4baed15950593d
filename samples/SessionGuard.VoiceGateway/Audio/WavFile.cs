using System;
using System.Buffers.Binary;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.VoiceGateway.Audio;

/// <summary>Writes gateway PCM as a canonical 44-byte-header RIFF/WAVE file.</summary>
internal static class WavFile
{
    public const int HeaderBytes = 44;

    /// <summary>Writes the header for <paramref name="dataBytes"/> bytes of 16 kHz 16-bit mono PCM.</summary>
    public static void WriteHeader(Span<byte> header, int dataBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dataBytes);
        if (header.Length < HeaderBytes)
        {
            throw new ArgumentException($"The header needs {HeaderBytes} bytes.", nameof(header));
        }

        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], 36 + dataBytes);
        "WAVE"u8.CopyTo(header[8..]);
        "fmt "u8.CopyTo(header[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], 16);                       // fmt chunk size
        BinaryPrimitives.WriteInt16LittleEndian(header[20..], 1);                        // PCM
        BinaryPrimitives.WriteInt16LittleEndian(header[22..], 1);                        // mono
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], PcmFormat.SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], PcmFormat.BytesPerSecond); // byte rate
        BinaryPrimitives.WriteInt16LittleEndian(header[32..], PcmFormat.BytesPerSample); // block align
        BinaryPrimitives.WriteInt16LittleEndian(header[34..], 16);                       // bits per sample
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[40..], dataBytes);
    }

    /// <summary>Writes <paramref name="pcm"/> to <paramref name="path"/> (created or overwritten) as a WAV file.</summary>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> pcm, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderBytes];
        WriteHeader(header, pcm.Length);
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(pcm, cancellationToken).ConfigureAwait(false);
        }
    }
}
