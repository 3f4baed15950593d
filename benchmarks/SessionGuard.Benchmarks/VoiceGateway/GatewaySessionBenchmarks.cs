using System;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using SessionGuard.VoiceGateway.Audio;
using SessionGuard.VoiceGateway.Glossary;
using SessionGuard.VoiceGateway.Guarded;
using SessionGuard.VoiceGateway.Naive;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Recognition;
using SessionGuard.VoiceGateway.Translation;

namespace SessionGuard.Benchmarks.VoiceGateway;

/// <summary>
/// One session of the voice gateway's pipeline (samples/SessionGuard.VoiceGateway), in process and on the happy path:
/// open, 10 s of synthesized speech in 20 ms frames, segmenter, a WAV file and a recognition per utterance, dedup and
/// two translations each (every call succeeds at once), results to a no-op sink, a clean close and the end of the
/// session. The guarded pipeline (session, <c>AudioRingBuffer</c>, session tasks, <c>PendingOperations</c>,
/// <c>[SessionScoped]</c> maps, owned subscription and temp file, the registry's teardown) against the naive one
/// (<c>Pipe</c> plus a <c>List&lt;byte[]&gt;</c>, <c>Task.Run</c> per utterance, plain dictionaries). The naive close
/// does not wait for its untracked tasks, so every operation waits until the session's utterances have settled.
/// </summary>
/// <remarks>
/// Each iteration starts from new pipelines and runs <see cref="SessionsPerIteration"/> sessions, so the naive
/// pipeline's leaks (a glossary subscription and dedup entries per session, kept even on the happy path) stay as
/// shallow in every iteration instead of growing over the run.
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(SessionsPerIteration)]
public class GatewaySessionBenchmarks
{
    /// <summary>Sessions (operations) per iteration.</summary>
    public const int SessionsPerIteration = 32;

    private static readonly TimeSpan Speech = TimeSpan.FromSeconds(10);
    private static readonly Func<string, CancellationToken, ValueTask> Sink = static (_, _) => default;
    private byte[] _clip = null!;
    private string _tempRoot = null!;
    private int _client;
    private SessionRegistry? _registry;
    private IGatewayPipeline? _pipeline;

    [GlobalSetup]
    public void Setup()
    {
        _clip = SpeechSynthesizer.Generate(7, Speech);
        _tempRoot = Directory.CreateTempSubdirectory("sessionguard-gateway-bench-").FullName;
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_tempRoot, recursive: true);

    [IterationSetup(Target = nameof(Naive))]
    public void SetupNaive() => _pipeline = new NaivePipeline(Options());

    [IterationSetup(Target = nameof(Guarded))]
    public void SetupGuarded()
    {
        _registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = 10_000, TempRoot = _tempRoot, SweepInterval = Timeout.InfiniteTimeSpan });
        _pipeline = new GuardedPipeline(_registry, Options());
    }

    [IterationCleanup]
    public void CleanupIteration()
    {
        IGatewayPipeline pipeline = _pipeline!;
        PipelineCounters counters = pipeline.Counters;

        // Both pipelines must have done the same work: every session ended, its audio kept and cut into (at least) two
        // utterances, each translated into both languages and sent.
        if (counters.Ended != counters.Opened || counters.AudioDroppedBytes != 0 || counters.Sent != 2 * counters.Utterances || counters.Utterances < 2 * counters.Opened)
        {
            throw new InvalidOperationException($"The {pipeline.Name} pipeline left the happy path: {counters}");
        }

        pipeline.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _registry?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _registry = null;
    }

    [Benchmark(Baseline = true, Description = "naive: open, 10 s of audio, close, results settled")]
    public Task Naive() => RunSessionAsync();

    [Benchmark(Description = "guarded: open, 10 s of audio, close, session ended")]
    public Task Guarded() => RunSessionAsync();

    private async Task RunSessionAsync()
    {
        IGatewayPipeline pipeline = _pipeline!;
        string id = "bench-" + (++_client).ToString("D8", CultureInfo.InvariantCulture);
        IGatewayConnection connection = pipeline.Connect(id, Sink);
        for (int offset = 0; offset + PcmFormat.FrameBytes <= _clip.Length; offset += PcmFormat.FrameBytes)
        {
            await connection.WriteAsync(_clip.AsMemory(offset, PcmFormat.FrameBytes), CancellationToken.None);
        }

        await connection.CloseAsync();

        // The naive close returns with its translations still running on the pool; the guarded one has awaited them.
        // Spin and yield to them, never sleep: SpinWait's default 1 ms sleeps would be charged to the naive row.
        PipelineCounters counters = pipeline.Counters;
        var spin = new SpinWait();
        while (counters.UtterancesSettled < counters.Utterances)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private PipelineOptions Options() => new()
    {
        Recognizer = new HashSpeechRecognizer(),
        Translator = new FlakyTranslator(new FlakyTranslatorOptions { FailureShare = 0, SlowShare = 0 }),
        Glossary = new GlossaryFeed(),
        TempRoot = _tempRoot,
    };
}
