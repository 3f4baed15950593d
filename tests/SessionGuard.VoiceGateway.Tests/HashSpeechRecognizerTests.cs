using System;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Audio;
using SessionGuard.VoiceGateway.Recognition;

namespace SessionGuard.VoiceGateway.Tests;

public class HashSpeechRecognizerTests
{
    [Fact]
    public async Task The_same_audio_gives_the_same_text_and_other_audio_other_text()
    {
        var recognizer = new HashSpeechRecognizer();
        byte[] a = SpeechSynthesizer.Generate(1, TimeSpan.FromSeconds(4));
        byte[] b = SpeechSynthesizer.Generate(2, TimeSpan.FromSeconds(4));

        string first = await recognizer.RecognizeAsync(a, CancellationToken.None);

        Assert.Equal(first, await recognizer.RecognizeAsync((byte[])a.Clone(), CancellationToken.None));
        Assert.NotEqual(first, await recognizer.RecognizeAsync(b, CancellationToken.None));
        Assert.Equal(10, first.Split(' ').Length); // 2.5 words a second
    }
}
