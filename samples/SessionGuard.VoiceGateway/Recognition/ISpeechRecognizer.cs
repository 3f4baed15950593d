using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.VoiceGateway.Recognition;

/// <summary>Turns one utterance (16 kHz 16-bit mono PCM) into text: where a real speech service plugs in.</summary>
internal interface ISpeechRecognizer
{
    /// <summary>Recognizes <paramref name="pcm"/>, which is valid only until the returned task completes.</summary>
    ValueTask<string> RecognizeAsync(ReadOnlyMemory<byte> pcm, CancellationToken cancellationToken);
}
