using System;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Audio;
using SessionGuard.VoiceGateway.Glossary;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Segmentation;
using SessionGuard.VoiceGateway.Translation;

namespace SessionGuard.VoiceGateway.Naive;

/// <summary>One connection of the naive pipeline: its handler segments the audio and starts an untracked task per utterance.</summary>
internal sealed class NaiveConnection : IGatewayConnection
{
    private readonly NaivePipeline _pipeline;
    private readonly string _clientId;
    private readonly Func<string, CancellationToken, ValueTask> _send;
    private readonly Pipe _audio = new(new PipeOptions(pauseWriterThreshold: 0)); // never pushes back on the client
    private Task _handler = Task.CompletedTask;

    public NaiveConnection(NaivePipeline pipeline, string clientId, Func<string, CancellationToken, ValueTask> send)
    {
        ArgumentNullException.ThrowIfNull(send);
        _pipeline = pipeline;
        _clientId = clientId;
        _send = send;
    }

    public SessionGlossary Glossary { get; } = new();

    public void Start() => _handler = HandleAsync();

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        _pipeline.AppendAudio(_clientId, frame.Span);
        await _audio.Writer.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
    }

    public async Task CloseAsync()
    {
        await _audio.Writer.CompleteAsync().ConfigureAwait(false);
        await _handler.ConfigureAwait(false);
    }

    public async Task AbortAsync()
    {
        // What a reset connection looks like to the handler: its next read throws.
        await _audio.Writer.CompleteAsync(new IOException("The connection was reset without a close frame.")).ConfigureAwait(false);
        try
        {
            await _handler.ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The host logs the handler's exception and moves on.
        }
    }

    private async Task HandleAsync()
    {
        await UtteranceSegmenter.RunAsync(_audio.Reader, _pipeline.Options.Segmenter, _pipeline.Buffers, OnUtteranceAsync, CancellationToken.None).ConfigureAwait(false);

        // The cleanup at the end of the handler: reached when the client closed, skipped when the read above threw.
        _pipeline.OnDisconnected(_clientId);
    }

    private async ValueTask OnUtteranceAsync(Utterance utterance, CancellationToken cancellationToken)
    {
        string wav = Path.Combine(_pipeline.TempFolder, _clientId + "-" + utterance.Index + ".wav");
        await WavFile.WriteAsync(wav, utterance.Pcm, cancellationToken).ConfigureAwait(false);
        string text = await _pipeline.Options.Recognizer.RecognizeAsync(utterance.Pcm, cancellationToken).ConfigureAwait(false);
        _pipeline.Counters.OnUtterance();
        int turn = utterance.Index;
#pragma warning disable SG1001 // Deliberate: the naive server starts one untracked task per utterance, as the post-mortems' servers did (create_task per message).
        _ = Task.Run(() => TranslateAndSendAsync(turn, text, wav));
#pragma warning restore SG1001
    }

    private async Task TranslateAndSendAsync(int turn, string text, string wav)
    {
        try
        {
            if (_pipeline.Dedup.IsDuplicate(_clientId, text))
            {
                _pipeline.Counters.OnDuplicate();
                File.Delete(wav);
                return;
            }

            foreach (string lang in _pipeline.Options.Languages)
            {
                string translated = await _pipeline.Translations.TranslateAsync(_clientId, turn, lang, text).ConfigureAwait(false);
                _pipeline.Counters.OnTranslated();
                _pipeline.Dedup.RecordSent(_clientId, turn, lang, translated);
                await _send(translated, CancellationToken.None).ConfigureAwait(false);
                _pipeline.Counters.OnSent();
            }

            File.Delete(wav); // only reached when nothing above threw
        }
        catch (TranslationFailedException)
        {
            _pipeline.Counters.OnTranslationFailed(); // logged, like the seeds' servers; the file and the pending entry stay
        }
        finally
        {
            _pipeline.Counters.OnUtteranceSettled(); // instrumentation only
        }
    }
}
