using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Translation;

namespace SessionGuard.VoiceGateway.Naive;

/// <summary>
/// Translations in flight, the way the post-mortem's <c>pendingAsyncTranslations</c> map was kept: an entry goes in
/// when a call starts and comes out when it succeeds. A call that fails (or never ends: there is no timeout) leaves
/// its entry, and the failed task it holds, behind for good.
/// </summary>
internal sealed class NaiveTranslationStage(ITranslator translator)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Task<string>> _pendingTranslations = new();

    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pendingTranslations.Count;
            }
        }
    }

    public async Task<string> TranslateAsync(string clientId, int turn, string lang, string text)
    {
        string key = clientId + "|" + turn + "|" + lang;
        Task<string> call = translator.TranslateAsync(text, lang, CancellationToken.None);
        lock (_gate)
        {
            _pendingTranslations[key] = call;
        }

        string translated = await call.ConfigureAwait(false);
        lock (_gate)
        {
            _pendingTranslations.Remove(key);
        }

        return translated;
    }
}
