using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Audio;
using SessionGuard.VoiceGateway.Glossary;
using SessionGuard.VoiceGateway.Pipeline;

namespace SessionGuard.VoiceGateway.Soak;

/// <summary>
/// Drives a pipeline with many clients in process, no network: each connects, streams synthesized speech frame by
/// frame as fast as the pipeline takes it, then closes or aborts. The WebSocket load driver replaces the calls on
/// <see cref="IGatewayConnection"/> with a socket's frames.
/// </summary>
internal static class InProcessSoak
{
    public static async Task<SoakResult> RunAsync(IGatewayPipeline pipeline, GlossaryFeed glossary, SoakOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(glossary);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        byte[][] clips = Enumerable.Range(0, options.Clips)
            .Select(i => SpeechSynthesizer.Generate(options.Seed * 1000 + i, options.AudioPerSession))
            .ToArray();
        int closed = 0, aborted = 0;
        long sent = 0;
        ValueTask Send(string text, CancellationToken ct)
        {
            Interlocked.Increment(ref sent);
            return default;
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Sessions), parallel, async (i, ct) =>
        {
            byte[] clip = clips[i % clips.Length];
            bool abort = options.AbortEvery > 0 && i % options.AbortEvery == options.AbortEvery - 1;
            int frames = clip.Length / PcmFormat.FrameBytes;
            IGatewayConnection connection = pipeline.Connect("client-" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture), Send);
            for (int f = 0; f < (abort ? frames / 2 : frames); f++)
            {
                await connection.WriteAsync(clip.AsMemory(f * PcmFormat.FrameBytes, PcmFormat.FrameBytes), ct).ConfigureAwait(false);
            }

            if (abort)
            {
                await connection.AbortAsync().ConfigureAwait(false);
                Interlocked.Increment(ref aborted);
            }
            else
            {
                await connection.CloseAsync().ConfigureAwait(false);
                Interlocked.Increment(ref closed);
            }

            if (options.GlossaryUpdateEvery > 0 && i % options.GlossaryUpdateEvery == 0)
            {
                glossary.Publish("term-" + i, "terme-" + i);
            }
        }).ConfigureAwait(false);

        bool settled = await SettleAsync(pipeline.Counters, options.SettleTimeout, cancellationToken).ConfigureAwait(false);
        return new SoakResult(pipeline.Name, closed, aborted, Interlocked.Read(ref sent), settled, pipeline.Counters, pipeline.MeasureResiduals());
    }

    /// <summary>Waits (bounded) until every recognized utterance's translation work has finished, however it finished.</summary>
    private static async Task<bool> SettleAsync(PipelineCounters counters, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (counters.UtterancesSettled < counters.Utterances)
        {
            try
            {
                await Task.Delay(10, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        return true;
    }
}
