using SessionGuard.VoiceGateway.Pipeline;

namespace SessionGuard.VoiceGateway.Soak;

/// <summary>What an in-process soak did and what the pipeline still held afterwards.</summary>
internal sealed record SoakResult(string Pipeline, int Closed, int Aborted, long TextFramesSent, bool Settled, PipelineCounters Counters, GatewayResiduals Residuals)
{
    public override string ToString() =>
        $"{Pipeline}: {Closed} closed, {Aborted} aborted, {TextFramesSent} text frames sent, settled={Settled}; {Counters}; left behind: {Residuals}";
}
