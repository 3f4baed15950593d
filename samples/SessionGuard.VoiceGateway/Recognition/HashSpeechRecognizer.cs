using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Audio;

namespace SessionGuard.VoiceGateway.Recognition;

/// <summary>
/// A stand-in for a speech recognizer, no model loaded: hashes the samples (FNV-1a) and spells the hash as words,
/// about two and a half per second of audio. The same audio always gives the same text.
/// </summary>
internal sealed class HashSpeechRecognizer : ISpeechRecognizer
{
    private static readonly string[] Words =
    [
        "the", "call", "is", "about", "order", "number", "please", "check", "delivery", "today", "tomorrow", "price",
        "meeting", "room", "we", "need", "a", "new", "invoice", "for", "client", "thank", "you", "very", "much",
        "can", "I", "speak", "with", "support", "my", "account", "was", "charged", "twice", "last", "week", "yes",
        "no", "maybe", "later", "send", "email", "again", "address", "changed", "flight", "hotel", "booking",
        "confirm", "cancel", "ticket", "train", "station", "morning", "evening", "team", "report", "ready", "soon",
        "great", "problem", "solved", "goodbye",
    ];

    public ValueTask<string> RecognizeAsync(ReadOnlyMemory<byte> pcm, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ulong hash = 14695981039346656037UL;
        foreach (byte b in pcm.Span)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        int count = Math.Max(1, (int)(PcmFormat.DurationOf(pcm.Length).TotalSeconds * 2.5));
        var text = new StringBuilder(count * 7);
        for (int i = 0; i < count; i++)
        {
            hash = Mix(hash + (ulong)i);
            text.Append(i == 0 ? string.Empty : " ").Append(Words[(int)(hash % (ulong)Words.Length)]);
        }

        return ValueTask.FromResult(text.ToString());
    }

    // SplitMix64's finalizer: spreads every input bit over the output.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
