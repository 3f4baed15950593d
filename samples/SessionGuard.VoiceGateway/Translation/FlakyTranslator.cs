using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.VoiceGateway.Translation;

/// <summary>
/// A stand-in for a translation service, no model loaded: prefixes the text with the target language. A seeded,
/// configurable share of calls is slow or fails; which ones depends only on the seed and the call's sequence number,
/// so a run's number of slow and failed calls is the same whatever the threads' interleaving.
/// </summary>
internal sealed class FlakyTranslator : ITranslator
{
    private readonly FlakyTranslatorOptions _options;
    private long _calls;
    private long _succeeded;
    private long _failed;
    private long _cancelled;
    private long _inFlight;

    public FlakyTranslator(FlakyTranslatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public long Calls => Interlocked.Read(ref _calls);

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public long Failed => Interlocked.Read(ref _failed);

    public long Cancelled => Interlocked.Read(ref _cancelled);

    public long InFlight => Interlocked.Read(ref _inFlight);

    public async Task<string> TranslateAsync(string text, string targetLanguage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(targetLanguage);
        long call = Interlocked.Increment(ref _calls);
        double roll = Roll(_options.Seed, call);
        Interlocked.Increment(ref _inFlight);
        try
        {
            bool slow = roll >= _options.FailureShare && roll < _options.FailureShare + _options.SlowShare;
            TimeSpan latency = slow ? _options.SlowLatency : _options.Latency;
            if (latency == Timeout.InfiniteTimeSpan || latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Task.Yield();
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (roll < _options.FailureShare)
            {
                Interlocked.Increment(ref _failed);
                throw new TranslationFailedException($"The translation service failed call {call} ({targetLanguage}).");
            }

            Interlocked.Increment(ref _succeeded);
            return "[" + targetLanguage + "] " + text;
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _cancelled);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>A uniform number in [0, 1) from the seed and the call number (SplitMix64).</summary>
    private static double Roll(int seed, long call)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)call * 0xD1B54A32D192ED03UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
