using System;
using SessionGuard.VoiceGateway.Audio;

namespace SessionGuard.VoiceGateway.Segmentation;

/// <summary>
/// One utterance cut by <see cref="UtteranceSegmenter"/>. <see cref="Pcm"/> is the segmenter's buffer, which the next
/// utterance reuses: it is valid only during the callback that receives it; copy what must outlive it.
/// </summary>
/// <param name="Index">0 for the stream's first utterance, then 1, 2, ...</param>
/// <param name="Offset">Where it starts in the stream as read (bytes, not counting audio the ring dropped).</param>
/// <param name="Pcm">Its audio.</param>
/// <param name="End">What ended it.</param>
/// <param name="AfterGap">True when audio was lost just before it.</param>
internal readonly record struct Utterance(int Index, long Offset, ReadOnlyMemory<byte> Pcm, UtteranceEnd End, bool AfterGap)
{
    public TimeSpan Duration => PcmFormat.DurationOf(Pcm.Length);
}
