namespace SessionGuard.VoiceGateway.Load;

/// <summary>How a load client leaves.</summary>
internal enum DisconnectKind
{
    /// <summary>Streams its clip, sends a close frame and waits for the server's.</summary>
    Close,

    /// <summary>Streams half its clip and drops the connection without a close frame.</summary>
    Abort,

    /// <summary>Streams half its clip and goes silent until the server closes it (idle expiry), or gives up and aborts.</summary>
    Stall,

    /// <summary>Drops halfway and comes back at once with the same id, streams the rest and closes.</summary>
    Reconnect,

    /// <summary>Opens a second connection with the same id halfway, streams the rest on it and closes; the first is dropped.</summary>
    Duplicate,

    /// <summary>Part of a reconnect storm: every storm client drops at once, then all come back with their ids and close.</summary>
    Storm,
}
