namespace SessionGuard.VoiceGateway.Segmentation;

/// <summary>What ended an utterance.</summary>
internal enum UtteranceEnd
{
    /// <summary>A cut at the quietest window of the cut range.</summary>
    Cut,

    /// <summary>Audio was lost after it (the ring dropped some): the next utterance starts after the gap.</summary>
    Discontinuity,

    /// <summary>The stream ended.</summary>
    EndOfStream,
}
