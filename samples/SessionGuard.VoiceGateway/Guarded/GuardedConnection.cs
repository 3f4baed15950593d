using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.Audio;
using SessionGuard.VoiceGateway.Audio;
using SessionGuard.VoiceGateway.Glossary;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Segmentation;
using SessionGuard.VoiceGateway.Translation;

namespace SessionGuard.VoiceGateway.Guarded;

/// <summary>One session of the guarded pipeline. Everything it starts or holds belongs to the session.</summary>
internal sealed class GuardedConnection : IGatewayConnection
{
    private readonly GuardedPipeline _pipeline;
    private readonly Session _session;
    private readonly Func<string, CancellationToken, ValueTask> _send;
    private readonly AudioRingBuffer _ring;
    private readonly Task _segmenter;
    private readonly Lock _gate = new();
    private readonly List<Task> _translations = new(); // this connection's, so that a clean close can let them finish

    public GuardedConnection(GuardedPipeline pipeline, Session session, Func<string, CancellationToken, ValueTask> send)
    {
        ArgumentNullException.ThrowIfNull(send);
        _pipeline = pipeline;
        _session = session;
        _send = send;
        pipeline.Counters.OnOpened();
        _ring = session.Own(new AudioRingBuffer());                           // its blocks go back at teardown
        var glossary = new SessionGlossary();
        session.Own(pipeline.Options.Glossary.Subscribe(glossary.OnUpdated)); // unsubscribed at teardown
        _segmenter = session.Run(
            ct => UtteranceSegmenter.RunAsync(_ring, pipeline.Options.Segmenter, pipeline.Buffers, OnUtteranceAsync, ct),
            "segmenter");
    }

    public Session Session => _session;

    public ValueTask WriteAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        _session.Touch();
        AudioWriteResult result = _ring.Write(frame.Span);
        long dropped = result.EvictedBytes + (result.Dropped ? frame.Length : 0);
        if (dropped > 0)
        {
            _pipeline.Counters.OnAudioDropped(dropped);
        }

        return default;
    }

    public async Task CloseAsync()
    {
        await DrainAsync().ConfigureAwait(false);
        await _session.EndAsync(SessionEndReason.Closed).ConfigureAwait(false);
    }

    /// <summary>
    /// Processes the audio received so far and waits for its results, without ending the session: for a WebSocket
    /// handler, whose return ends the session.
    /// </summary>
    public async Task DrainAsync()
    {
        _ring.CompleteWriter();

        // The last utterance is cut and recognized. A fault or cancellation (the session ended first, idle for
        // example) was already observed and logged by the session.
        await _segmenter.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Task[] translations;
        lock (_gate)
        {
            translations = _translations.ToArray();
        }

        // Results still go out after the client's close frame; each translation is bounded by its timeout.
        await Task.WhenAll(translations).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public Task AbortAsync() => _session.EndAsync(SessionEndReason.Closed);

    private async ValueTask OnUtteranceAsync(Utterance utterance, CancellationToken cancellationToken)
    {
        try
        {
            string wav = _session.CreateTempFile(".wav");                     // deleted at teardown
            await WavFile.WriteAsync(wav, utterance.Pcm, cancellationToken).ConfigureAwait(false);
            string text = await _pipeline.Options.Recognizer.RecognizeAsync(utterance.Pcm, cancellationToken).ConfigureAwait(false);
            int turn = utterance.Index;
            Task translation = _session.Run(ct => TranslateAndSendAsync(turn, text, ct), "translate");
            lock (_gate)
            {
                _translations.RemoveAll(static t => t.IsCompleted);
                _translations.Add(translation);
            }

            _pipeline.Counters.OnUtterance();
        }
        catch (ObjectDisposedException) when (!_session.IsActive)
        {
            // The session began ending (its Ending token is being cancelled): stop as a cancelled task, not a faulted one.
            throw new OperationCanceledException("The session is ending.", cancellationToken);
        }
    }

    private async Task TranslateAndSendAsync(int turn, string text, CancellationToken cancellationToken)
    {
        PipelineCounters counters = _pipeline.Counters;
        try
        {
            if (!_pipeline.Dedup.TryBegin(_session, text))
            {
                counters.OnDuplicate();
                return;
            }

            foreach (string lang in _pipeline.Options.Languages)
            {
                var key = new TurnKey(_session.Id, turn, lang);
                string translated;
                try
                {
                    translated = await _pipeline.Translations.TranslateAsync(key, text, _pipeline.Options.TranslationTimeout)
                        .WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    counters.OnTranslationTimedOut();
                    continue;
                }
                catch (TranslationFailedException)
                {
                    counters.OnTranslationFailed();
                    continue;
                }

                counters.OnTranslated();
                _pipeline.Dedup.RecordSent(_session, key, translated);
                await _send(translated, cancellationToken).ConfigureAwait(false);
                counters.OnSent();
            }
        }
        finally
        {
            counters.OnUtteranceSettled();
        }
    }
}
