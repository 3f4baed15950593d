using System.Text.Json.Serialization;
using System.Threading;

namespace SessionGuard.VoiceGateway.Pipeline;

/// <summary>What a pipeline did, counted as it goes (thread-safe).</summary>
internal sealed class PipelineCounters
{
    private long _opened;
    private long _ended;
    private long _utterances;
    private long _utterancesSettled;
    private long _duplicates;
    private long _translated;
    private long _translationsFailed;
    private long _translationsTimedOut;
    private long _sent;
    private long _audioDroppedBytes;

    public PipelineCounters()
    {
    }

    /// <summary>Counters as another process counted them (a run's result read back from JSON).</summary>
    [JsonConstructor]
    internal PipelineCounters(long opened, long ended, long utterances, long utterancesSettled, long duplicates, long translated, long translationsFailed, long translationsTimedOut, long sent, long audioDroppedBytes)
    {
        _opened = opened;
        _ended = ended;
        _utterances = utterances;
        _utterancesSettled = utterancesSettled;
        _duplicates = duplicates;
        _translated = translated;
        _translationsFailed = translationsFailed;
        _translationsTimedOut = translationsTimedOut;
        _sent = sent;
        _audioDroppedBytes = audioDroppedBytes;
    }

    /// <summary>Connections opened (guarded: sessions; a reconnect or duplicate within a session is not a new one).</summary>
    public long Opened => Interlocked.Read(ref _opened);

    /// <summary>Connections whose cleanup ran (guarded: sessions torn down by the registry; naive: handlers that reached their cleanup).</summary>
    public long Ended => Interlocked.Read(ref _ended);

    /// <summary>Utterances recognized.</summary>
    public long Utterances => Interlocked.Read(ref _utterances);

    /// <summary>Utterances whose translation and sending finished, however (success, failure, cancellation).</summary>
    public long UtterancesSettled => Interlocked.Read(ref _utterancesSettled);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Translated => Interlocked.Read(ref _translated);

    public long TranslationsFailed => Interlocked.Read(ref _translationsFailed);

    public long TranslationsTimedOut => Interlocked.Read(ref _translationsTimedOut);

    public long Sent => Interlocked.Read(ref _sent);

    public long AudioDroppedBytes => Interlocked.Read(ref _audioDroppedBytes);

    public void OnOpened() => Interlocked.Increment(ref _opened);

    public void OnEnded() => Interlocked.Increment(ref _ended);

    public void OnUtterance() => Interlocked.Increment(ref _utterances);

    public void OnUtteranceSettled() => Interlocked.Increment(ref _utterancesSettled);

    public void OnDuplicate() => Interlocked.Increment(ref _duplicates);

    public void OnTranslated() => Interlocked.Increment(ref _translated);

    public void OnTranslationFailed() => Interlocked.Increment(ref _translationsFailed);

    public void OnTranslationTimedOut() => Interlocked.Increment(ref _translationsTimedOut);

    public void OnSent() => Interlocked.Increment(ref _sent);

    public void OnAudioDropped(long bytes) => Interlocked.Add(ref _audioDroppedBytes, bytes);

    public override string ToString() =>
        $"opened {Opened}, ended {Ended}, utterances {Utterances} (settled {UtterancesSettled}, duplicates {Duplicates}), translated {Translated}, failed {TranslationsFailed}, timed out {TranslationsTimedOut}, sent {Sent}, audio dropped {AudioDroppedBytes} B";
}
