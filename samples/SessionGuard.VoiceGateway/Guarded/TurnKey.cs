namespace SessionGuard.VoiceGateway.Guarded;

/// <summary>One utterance (turn) of a session in one target language: a session holds many.</summary>
internal readonly record struct TurnKey(SessionId Session, int Turn, string Lang);
