using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Load;

namespace SessionGuard.VoiceGateway.Cli;

/// <summary>What <c>--report DIR</c> writes: the figures as JSON and the chart as PNG.</summary>
internal static class RunReport
{
    public const string JsonFile = "gateway-report.json";
    public const string ChartFile = "gateway-comparison.png";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Writes both files into <paramref name="directory"/> (created if needed); returns their paths.</summary>
    public static async Task<(string Json, string Chart)> WriteAsync(string directory, LoadOptions load, IReadOnlyList<GatewayRunResult> runs)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(runs);
        Directory.CreateDirectory(directory);
        string json = Path.Combine(directory, JsonFile);
        string chart = Path.Combine(directory, ChartFile);
        await using (FileStream stream = File.Create(json))
        {
            await JsonSerializer.SerializeAsync(stream, Document(load, runs), Json).ConfigureAwait(false);
        }

        ComparisonChart.SavePng(runs, chart);
        return (json, chart);
    }

    private static object Document(LoadOptions load, IReadOnlyList<GatewayRunResult> runs) => new
    {
        load = new
        {
            load.Sessions,
            load.Concurrency,
            load.StormClients,
            AudioPerSessionSeconds = load.AudioPerSession.TotalSeconds,
            load.Seed,
        },
        runs = runs.Select(r => new
        {
            r.Mode,
            r.ProcessId,
            clients = r.Load.Clients,
            r.Load.ConnectsRefused,
            r.Load.ConnectionsBroken,
            r.Load.TextFramesReceived,
            sessions = new { r.Counters.Opened, r.Counters.Ended },
            teardown = r.Teardown is { } t ? new { endedByReason = t.EndedByReason, p50Ms = t.Duration.P50Ms, p99Ms = t.Duration.P99Ms, t.TasksMissedDrain } : null,
            pipeline = r.Counters,
            roundTrip = new
            {
                firstTenth = new { r.Figures.FirstTenth.Count, r.Figures.FirstTenth.P50Ms, r.Figures.FirstTenth.P99Ms },
                lastTenth = new { r.Figures.LastTenth.Count, r.Figures.LastTenth.P50Ms, r.Figures.LastTenth.P99Ms },
            },
            heap = new
            {
                r.Figures.SessionsAtTenth,
                r.Figures.HeapAtTenthBytes,
                r.Figures.HeapEndBytes,
                r.Figures.HeapGrowthPer1000Bytes,
                r.Figures.PoolsAtTenth,
                r.Figures.PoolsEnd,
                // No ratio (null) when the pools held all of the heap at 10 %: JSON has no NaN.
                heapRatioOutsidePools = double.IsFinite(r.Figures.HeapRatioOutsidePools) ? r.Figures.HeapRatioOutsidePools : (double?)null,
            },
            r.Figures.ThreadPoolQueue,
            leftBehind = new { r.Residuals.Connections, r.Residuals.MapEntries, r.Residuals.PendingOperations, r.Residuals.TempFiles, r.Residuals.Subscriptions, r.OpenSockets, r.RunningTasks },
            r.Settled,
            goals = r.Mode == Server.GatewayMode.Guarded ? GuardedGoals.Evaluate(r) : null,
            samples = r.Figures.Samples,
        }).ToArray(),
    };
}
