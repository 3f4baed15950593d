// Modelled on a TTS pipeline checklist: audio files generated per reply and removed in finally, tasks started per
// sentence, and a synthesis task observed only when the reply was not interrupted.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace Voice.Tts;

public interface ITtsEngine
{
    Task<string> GenerateAudioAsync(string text, CancellationToken ct);
    void RemoveFile(string path);
}

public sealed class TtsManager
{
    private readonly ITtsEngine _engine;

    public TtsManager(ITtsEngine engine) => _engine = engine;

    public async Task SpeakAsync(string text, Func<string, Task> send, CancellationToken ct)
    {
        string? path = null;
        try
        {
            path = await _engine.GenerateAudioAsync(text, ct);
            await send(path);
        }
        finally
        {
            if (path is not null)
            {
                _engine.RemoveFile(path);
            }
        }
    }

    // Interrupted replies leave the synthesis running.
    public async Task SpeakInterruptibleAsync(string text, Func<string, Task> send, Func<bool> interrupted, CancellationToken ct)
    {
        var synthesis = {|SG1001:_engine.GenerateAudioAsync(text, ct)|};
        if (interrupted())
        {
            return;
        }

        await send(await synthesis);
    }

    // Same shape, but the interrupted path still waits for the synthesis to end.
    public async Task SpeakInterruptibleFixedAsync(string text, Func<string, Task> send, Func<bool> interrupted, CancellationToken ct)
    {
        var synthesis = _engine.GenerateAudioAsync(text, ct);
        if (interrupted())
        {
            try { _engine.RemoveFile(await synthesis); } catch (OperationCanceledException) { }
            return;
        }

        await send(await synthesis);
    }

    // One task per sentence; only the last is awaited.
    public async Task SpeakSentencesAsync(IEnumerable<string> sentences, CancellationToken ct)
    {
        Task<string> current = Task.FromResult("");
        foreach (var sentence in sentences)
        {
            current = {|SG1001:_engine.GenerateAudioAsync(sentence, ct)|};
        }

        await current;
    }

    public async Task<string[]> SpeakSentencesFixedAsync(IEnumerable<string> sentences, CancellationToken ct) =>
        await Task.WhenAll(sentences.Select(s => _engine.GenerateAudioAsync(s, ct)));

    public void Prefetch(IEnumerable<string> sentences, CancellationToken ct)
    {
        {|SG1001:sentences.Select(s => _engine.GenerateAudioAsync(s, ct)).ToList()|};
    }

    public async Task<string?> WithTimeoutAsync(string text, CancellationToken ct)
    {
        var generation = _engine.GenerateAudioAsync(text, ct);
        var winner = await Task.WhenAny(generation, Task.Delay(TimeSpan.FromSeconds(10), ct));
        return winner == generation ? await generation : null;
    }

    public Task<string> Cached(string text, Dictionary<string, Task<string>> cache, CancellationToken ct)
    {
        if (!cache.TryGetValue(text, out var task))
        {
            task = _engine.GenerateAudioAsync(text, ct);
            cache[text] = task;
        }

        return task;
    }
}
