using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Figures;
using SessionGuard.VoiceGateway.Glossary;
using SessionGuard.VoiceGateway.Load;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Recognition;
using SessionGuard.VoiceGateway.Server;
using SessionGuard.VoiceGateway.Translation;
using Xunit.Abstractions;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>
/// Both servers on Kestrel over loopback under the same short load: ClientWebSocket clients that close, abort, stall,
/// reconnect, connect twice, and a reconnect storm. The guarded server must leave nothing; the naive one must leak, or
/// the check proves nothing.
/// </summary>
public sealed class LoopbackSoakTests : IDisposable
{
    private static readonly LoadOptions Load = new()
    {
        Sessions = 200,
        Concurrency = 16,
        StormClients = 60,
        AudioPerSession = TimeSpan.FromSeconds(6),
        StallLimit = TimeSpan.FromSeconds(3),
    };

    private readonly TempFolder _temp = new();
    private readonly ITestOutputHelper _output;

    public LoopbackSoakTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_guarded_server_leaves_no_entry_temp_file_socket_or_task_after_every_kind_of_disconnect()
    {
        GatewayRunResult result = await GatewayRun.RunAsync(GatewayMode.Guarded, Options(), Load);
        _output.WriteLine(result.ToString());

        Assert.True(result.Settled, result.ToString());
        Assert.Equal(260, result.Load.Total + result.Load.ConnectsRefused + result.Load.ConnectionsBroken);
        Assert.All(Enum.GetValues<DisconnectKind>(), kind => Assert.True(result.Load.Clients.GetValueOrDefault(kind) > 0, $"no {kind} client got through: {result}"));
        Assert.True(result.Load.TextFramesReceived > 0, result.ToString());
        Assert.Equal(new GatewayResiduals(Connections: 0, MapEntries: 0, PendingOperations: 0, TempFiles: 0, Subscriptions: 0), result.Residuals);
        Assert.Equal((0, 0L), (result.OpenSockets, result.RunningTasks));

        // A duplicate connect takes the session over: the older socket is closed as replaced, nothing is broken off.
        Assert.Equal(0, result.Load.ConnectionsBroken);
        Assert.Equal(result.Load.Clients[DisconnectKind.Duplicate], result.Load.Replaced);

        // The figures are measured, from the registry's own teardown reports and the clients' close round trips.
        Assert.NotNull(result.Teardown);
        Assert.Equal(result.Counters.Opened, result.Teardown.Ended);
        Assert.Equal(result.Teardown.Ended, result.Teardown.Duration.Count);
        Assert.True(result.Teardown.EndedByReason.GetValueOrDefault(SessionEndReason.Closed) > 0, result.ToString());
        Assert.True(result.Teardown.EndedByReason.GetValueOrDefault(SessionEndReason.Disconnected) > 0, result.ToString());
        AssertFigures(result);

        // The buffer pools' share of the heap is read: the connections' blocks from Kestrel. (ArrayPool<byte>.Shared is
        // read too, but the segmenters no longer rent from it: what it holds in this process is other tests' doing.)
        Assert.True(result.Figures.PoolsEnd.Kestrel > 0, result.Figures.PoolsEnd.ToString());
    }

    [Fact]
    public async Task The_naive_server_leaks_entries_and_temp_files_under_the_same_load()
    {
        GatewayRunResult result = await GatewayRun.RunAsync(GatewayMode.Naive, Options(), Load);
        _output.WriteLine(result.ToString());

        Assert.True(result.Settled, result.ToString());
        Assert.True(result.Residuals.MapEntries > 0, result.ToString());
        Assert.True(result.Residuals.TempFiles > 0, result.ToString());
        Assert.Null(result.Teardown);
        Assert.True(result.Counters.Ended < result.Counters.Opened, result.ToString());
        AssertFigures(result);
    }

    private static void AssertFigures(GatewayRunResult result)
    {
        RunFigures f = result.Figures;
        Assert.Equal(260, f.SessionsCompleted);
        Assert.InRange(f.SessionsAtTenth, 26, 259);
        Assert.True(f.HeapAtTenthBytes > 0 && f.HeapEndBytes == result.HeapBytes, result.ToString());
        Assert.True(f.FirstTenth.Count > 0 && f.LastTenth.Count > 0, $"{f.FirstTenth} {f.LastTenth}");
        Assert.True(f.Samples.Count >= 5, $"{f.Samples.Count} samples");
        Assert.Equal(f.Samples[^1].SessionsCompleted, f.SessionsCompleted);
        Assert.True(f.ThreadPoolQueue >= 0);
    }

    private GatewayServerOptions Options() => new()
    {
        Pipeline = new PipelineOptions
        {
            Recognizer = new HashSpeechRecognizer(),
            // 10 % fail, 10 % are slow: the guarded pipeline times them out, the naive one waits them out.
            Translator = new FlakyTranslator(new FlakyTranslatorOptions { Seed = 5, FailureShare = 0.1, SlowShare = 0.1, SlowLatency = TimeSpan.FromMilliseconds(300) }),
            Glossary = new GlossaryFeed(),
            TranslationTimeout = TimeSpan.FromMilliseconds(200),
            TempRoot = _temp.Path,
        },
        TempRoot = _temp.Path,
        IdleTimeout = TimeSpan.FromSeconds(1),
        ReconnectGrace = TimeSpan.FromSeconds(1),
    };
}
