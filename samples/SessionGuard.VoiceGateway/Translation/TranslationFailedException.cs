using System;

namespace SessionGuard.VoiceGateway.Translation;

/// <summary>The translation service failed a call.</summary>
internal sealed class TranslationFailedException : Exception
{
    public TranslationFailedException()
    {
    }

    public TranslationFailedException(string message)
        : base(message)
    {
    }

    public TranslationFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
