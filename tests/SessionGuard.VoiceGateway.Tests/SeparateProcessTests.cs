using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Cli;
using SessionGuard.VoiceGateway.Figures;
using SessionGuard.VoiceGateway.Load;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Server;
using Spectre.Console;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>
/// The comparison runs each server in a process of its own, so that the heap, the buffer pools and the thread pool
/// it is measured on are its own; the child hands its result back as JSON, whole.
/// </summary>
public sealed class SeparateProcessTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_comparison_measures_each_server_in_a_process_of_its_own()
    {
        var command = GatewayCommand.Default with { Sessions = 30, Concurrency = 6, Storm = 10, Seconds = 3 };
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });

        IReadOnlyList<GatewayRunResult> runs = await GatewayRuns.RunAsync([GatewayMode.Naive, GatewayMode.Guarded], GatewayRuns.Load(command), _temp.Path, console, bars: false);

        Assert.Equal([GatewayMode.Naive, GatewayMode.Guarded], runs.Select(r => r.Mode));
        Assert.All(runs, r => Assert.NotEqual(Environment.ProcessId, r.ProcessId));
        Assert.NotEqual(runs[0].ProcessId, runs[1].ProcessId);
        Assert.All(runs, r => Assert.Equal(40, r.Load.Total));
        Assert.All(runs, r => Assert.Equal(40, r.Figures.SessionsCompleted));
        Assert.All(runs, r => Assert.True(r.Figures.HeapAtTenthBytes > 0 && r.Figures.HeapEndBytes > 0, r.ToString()));
        Assert.True(runs[1].Residuals.IsClean && runs[1].OpenSockets == 0 && runs[1].RunningTasks == 0, runs[1].ToString());
        Assert.True(runs[0].Residuals.MapEntries > 0 && runs[0].Residuals.TempFiles > 0, runs[0].ToString()); // the naive one still leaks
        Assert.NotNull(runs[1].Teardown);

        // The child's progress lines became the parent's: ten plain lines per server.
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(10, lines.Count(l => l.StartsWith("naive server: ", StringComparison.Ordinal)));
        Assert.Contains("guarded server: 40 of 40 clients finished (100 %)", lines);
    }

    [Fact]
    public async Task A_run_result_reads_back_whole_from_its_json_file()
    {
        var samples = new List<RunSample>
        {
            new(4, 9L << 20, 12, null) { Pools = new BufferPoolBytes(3L << 20, 1L << 20) },
            new(40, 10L << 20, 0, 210.5) { Pools = new BufferPoolBytes(5L << 20, 2L << 20) },
        };
        var run = new GatewayRunResult(
            GatewayMode.Guarded,
            new LoadResult(new Dictionary<DisconnectKind, int> { [DisconnectKind.Close] = 30, [DisconnectKind.Storm] = 10 }, 77, 1, 2, 3),
            true,
            new PipelineCounters(40, 39, 30, 29, 1, 55, 6, 7, 50, 640),
            new GatewayResiduals(1, 2, 3, 4, 5),
            6,
            7,
            10L << 20)
        {
            ProcessId = 4242,
            Teardown = new TeardownSummary(new Dictionary<SessionEndReason, int> { [SessionEndReason.Closed] = 30, [SessionEndReason.Disconnected] = 9 }, new Percentiles(39, 0.5, 12.5), 1),
            Figures = new RunFigures(40, 9L << 20, 4, 10L << 20, new Percentiles(3, 40, 210), new Percentiles(3, 2, 205), 0, samples)
            {
                PoolsAtTenth = new BufferPoolBytes(9L << 20, 1L << 20), // more than the heap: the ratio outside the pools is NaN
                PoolsEnd = samples[1].Pools,
            },
        };
        string file = Path.Combine(_temp.Path, "result.json");

        await RunResultFile.WriteAsync(file, run);
        GatewayRunResult back = await RunResultFile.ReadAsync(file);

        Assert.Equal(run.ToString(), back.ToString()); // mode, load, settled, every counter, residuals, sockets, tasks, heap
        Assert.Equal(4242, back.ProcessId);
        Assert.Equal(run.Figures with { Samples = [] }, back.Figures with { Samples = [] });
        Assert.Equal(run.Figures.Samples, back.Figures.Samples);
        Assert.True(double.IsNaN(back.Figures.HeapRatioOutsidePools));
        Assert.Equal(run.Teardown.Duration, back.Teardown!.Duration);
        Assert.Equal(run.Teardown.EndedByReason, back.Teardown.EndedByReason);
        Assert.Equal(1, back.Teardown.TasksMissedDrain);
    }

    [Fact]
    public async Task A_file_without_a_result_is_named_in_the_error()
    {
        string file = Path.Combine(_temp.Path, "broken.json");
        await File.WriteAllTextAsync(file, "{ \"Mode\": ");

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => RunResultFile.ReadAsync(file));
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_child_gets_the_same_load_on_its_command_line()
    {
        var command = GatewayCommand.Default with { Sessions = 30, Concurrency = 6, Storm = 10, Seconds = 2.5 };
        IReadOnlyList<string> args = ServerProcess.Arguments(GatewayMode.Naive, GatewayRuns.Load(command), "/tmp/r.json");

        Assert.Equal(command with { Mode = RunMode.Naive, Result = "/tmp/r.json" }, GatewayCommand.Parse(args));
    }

    [Theory]
    [InlineData("progress 12 of 40", true, 12)]
    [InlineData("progress 0 of 1", true, 0)]
    [InlineData("progress twelve of 40", false, 0)]
    [InlineData("naive server listening", false, 0)]
    public void Progress_lines_are_read_back(string line, bool isProgress, int done)
    {
        Assert.Equal(isProgress, ServerProcess.TryParseProgress(line, out int read));
        Assert.Equal(done, read);
        Assert.True(ServerProcess.TryParseProgress(ServerProcess.ProgressLine(7, 9), out int seven));
        Assert.Equal(7, seven);
    }
}
