namespace SessionGuard.VoiceGateway.Pipeline;

/// <summary>What a pipeline holds for connections at one moment.</summary>
/// <param name="Connections">Connections (sessions) it still tracks.</param>
/// <param name="MapEntries">Entries in its per-connection maps, pending operations excluded.</param>
/// <param name="PendingOperations">Translations it still tracks as in flight.</param>
/// <param name="TempFiles">Utterance WAV files left on disk.</param>
/// <param name="Subscriptions">Handlers subscribed to the shared glossary event.</param>
internal readonly record struct GatewayResiduals(int Connections, int MapEntries, int PendingOperations, int TempFiles, int Subscriptions)
{
    public bool IsClean => Connections == 0 && MapEntries == 0 && PendingOperations == 0 && TempFiles == 0 && Subscriptions == 0;
}
