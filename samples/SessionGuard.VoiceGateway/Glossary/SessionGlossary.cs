using System.Collections.Generic;
using System.Threading;

namespace SessionGuard.VoiceGateway.Glossary;

/// <summary>One session's copy of the glossary terms it was told about (what a session's handler updates).</summary>
internal sealed class SessionGlossary
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _terms = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _terms.Count;
            }
        }
    }

    public void OnUpdated(object? sender, GlossaryUpdatedEventArgs e)
    {
        lock (_gate)
        {
            _terms[e.Term] = e.Translation;
        }
    }
}
