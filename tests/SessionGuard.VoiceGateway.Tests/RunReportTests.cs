using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Cli;
using SessionGuard.VoiceGateway.Figures;
using SessionGuard.VoiceGateway.Load;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Server;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary><c>--report DIR</c>: the figures as JSON and the chart as a PNG, both servers in each.</summary>
public sealed class RunReportTests : System.IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_report_holds_both_runs_figures_and_a_chart_of_their_samples()
    {
        string dir = Path.Combine(_temp.Path, "report");
        var (json, chart) = await RunReport.WriteAsync(dir, new LoadOptions { Sessions = 40, StormClients = 10 }, [Run(GatewayMode.Naive, 3), Run(GatewayMode.Guarded, 1)]);

        using JsonDocument doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        JsonElement runs = doc.RootElement.GetProperty("runs");
        Assert.Equal(40, doc.RootElement.GetProperty("load").GetProperty("sessions").GetInt32());
        Assert.Equal(2, runs.GetArrayLength());
        Assert.Equal("naive", runs[0].GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.Null, runs[0].GetProperty("teardown").ValueKind);
        Assert.Equal(JsonValueKind.Null, runs[0].GetProperty("goals").ValueKind);
        Assert.Equal(JsonValueKind.Null, runs[0].GetProperty("heap").GetProperty("heapRatioOutsidePools").ValueKind);
        JsonElement guarded = runs[1];
        Assert.Equal("guarded", guarded.GetProperty("mode").GetString());
        Assert.Equal(12.5, guarded.GetProperty("teardown").GetProperty("p99Ms").GetDouble());
        Assert.Equal(5, guarded.GetProperty("teardown").GetProperty("endedByReason").GetProperty("closed").GetInt32());
        Assert.Equal(215, guarded.GetProperty("roundTrip").GetProperty("lastTenth").GetProperty("p99Ms").GetDouble());
        Assert.Equal(10L << 20, guarded.GetProperty("heap").GetProperty("heapAtTenthBytes").GetInt64());
        Assert.Equal(3L << 20, guarded.GetProperty("heap").GetProperty("poolsAtTenth").GetProperty("kestrel").GetInt64());
        Assert.Equal(15.0 / 5, guarded.GetProperty("heap").GetProperty("heapRatioOutsidePools").GetDouble(), 6); // 15 MB / (10 - 5) MB
        Assert.Equal(5, guarded.GetProperty("samples").GetArrayLength());
        Assert.Equal(3, guarded.GetProperty("goals").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, guarded.GetProperty("samples")[0].GetProperty("roundTripP99Ms").ValueKind);

        byte[] png = await File.ReadAllBytesAsync(chart);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal(ComparisonChart.Width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
        Assert.Equal(ComparisonChart.Height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
    }

    private static GatewayRunResult Run(GatewayMode mode, int growth)
    {
        var samples = new List<RunSample>();
        for (int i = 1; i <= 5; i++)
        {
            samples.Add(new RunSample(i * 10, (10L + i * growth) << 20, i * growth * 7, i == 1 ? null : 200 + i * growth));
        }

        return new GatewayRunResult(mode, new LoadResult(new Dictionary<DisconnectKind, int> { [DisconnectKind.Close] = 40 }, 9, 0, 0), true, new PipelineCounters(), default, 0, 0, samples[^1].HeapBytes)
        {
            Teardown = mode == GatewayMode.Guarded ? new TeardownSummary(new Dictionary<SessionEndReason, int> { [SessionEndReason.Closed] = 5 }, new Percentiles(5, 0.5, 12.5), 0) : null,
            Figures = new RunFigures(50, 10L << 20, 10, samples[^1].HeapBytes, new Percentiles(8, 40, 210), new Percentiles(8, 41, 215), 0, samples)
            {
                // The naive run's pools read more than its heap at 10 % (the pool meter also counts arrays the GC took
                // with a dead thread): no ratio outside the pools.
                PoolsAtTenth = mode == GatewayMode.Naive ? new BufferPoolBytes(11L << 20, 0) : new BufferPoolBytes(2L << 20, 3L << 20),
            },
        };
    }
}
