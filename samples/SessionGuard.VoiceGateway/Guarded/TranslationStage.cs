using System;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Translation;

namespace SessionGuard.VoiceGateway.Guarded;

/// <summary>
/// Translations in flight, one per turn and language. An entry leaves the map when its call succeeds, fails or times
/// out, and the registry cancels a session's entries when it ends.
/// </summary>
internal sealed partial class TranslationStage(ITranslator translator, TimeProvider? timeProvider = null)
{
    [SessionScoped] private readonly PendingOperations<TurnKey, string> _inFlight = new(timeProvider: timeProvider);

    public int Pending => _inFlight.Count;

    /// <summary>Translates <paramref name="text"/>; faults with <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public Task<string> TranslateAsync(TurnKey key, string text, TimeSpan timeout) =>
        _inFlight.Start(key, ct => translator.TranslateAsync(text, key.Lang, ct), timeout);
}
