using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.VoiceGateway.Translation;

/// <summary>Translates recognized text: where a real translation service plugs in.</summary>
internal interface ITranslator
{
    /// <summary>Translates <paramref name="text"/> into <paramref name="targetLanguage"/>.</summary>
    /// <exception cref="TranslationFailedException">The service failed.</exception>
    /// <exception cref="System.OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<string> TranslateAsync(string text, string targetLanguage, CancellationToken cancellationToken);
}
