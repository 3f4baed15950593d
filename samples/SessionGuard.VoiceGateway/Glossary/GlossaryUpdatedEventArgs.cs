using System;

namespace SessionGuard.VoiceGateway.Glossary;

/// <summary>A glossary entry was added or changed.</summary>
internal sealed class GlossaryUpdatedEventArgs(string term, string translation) : EventArgs
{
    public string Term { get; } = term;

    public string Translation { get; } = translation;
}
