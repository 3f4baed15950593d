using SessionGuard.VoiceGateway.Segmentation;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>An utterance copied out of the segmenter's callback (its pooled memory is reused afterwards).</summary>
internal sealed record RecordedUtterance(int Index, long Offset, byte[] Pcm, UtteranceEnd End, bool AfterGap)
{
    public static RecordedUtterance Copy(Utterance u) => new(u.Index, u.Offset, u.Pcm.ToArray(), u.End, u.AfterGap);
}
