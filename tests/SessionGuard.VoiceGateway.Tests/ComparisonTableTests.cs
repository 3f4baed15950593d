using System.Collections.Generic;
using System.IO;
using SessionGuard.VoiceGateway.Cli;
using SessionGuard.VoiceGateway.Figures;
using SessionGuard.VoiceGateway.Load;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Server;
using Spectre.Console;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>The comparison table puts each server's figures in its own column, leaks included.</summary>
public class ComparisonTableTests
{
    [Fact]
    public void Each_server_has_a_column_with_what_it_left_behind()
    {
        var clients = new Dictionary<DisconnectKind, int> { [DisconnectKind.Close] = 7, [DisconnectKind.Storm] = 3 };
        var naive = new GatewayRunResult(GatewayMode.Naive, new LoadResult(clients, 5, 0, 0), true, new PipelineCounters(), new GatewayResiduals(4, 656, 26, 279, 620), 0, 0, 51L << 20);
        var guarded = new GatewayRunResult(GatewayMode.Guarded, new LoadResult(clients, 348, 0, 2), true, new PipelineCounters(), default, 0, 0, 33L << 20)
        {
            Teardown = new TeardownSummary(new Dictionary<SessionEndReason, int> { [SessionEndReason.Closed] = 9, [SessionEndReason.IdleExpired] = 2 }, new Percentiles(11, 0.4, 12.5), 0),
            Figures = RunFigures.Empty with
            {
                SessionsAtTenth = 40,
                HeapAtTenthBytes = 32L << 20,
                SessionsCompleted = 1040,
                HeapEndBytes = 33L << 20,
                FirstTenth = new Percentiles(18, 41, 212),
                LastTenth = new Percentiles(18, 43, 215),
                ThreadPoolQueue = 3,
                PoolsAtTenth = new BufferPoolBytes(4L << 20, 1L << 20),
                PoolsEnd = new BufferPoolBytes(16L << 20, 6L << 20),
            },
        };

        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 120;
        console.Write(ComparisonTable.Build(new[] { naive, guarded }));
        string text = output.ToString();

        Assert.Matches(@"naive\s*│\s*guarded", text);
        Assert.Matches(@"per-session map entries\s*│\s*656\s*│\s*0\s*│", text);
        Assert.Matches(@"temp WAV files\s*│\s*279\s*│\s*0\s*│", text);
        Assert.Matches(@"glossary subscriptions\s*│\s*620\s*│\s*0\s*│", text);
        Assert.Matches(@"text frames received\s*│\s*5\s*│\s*348\s*│", text);
        Assert.Matches(@"managed heap after a full GC, at the end\s*│\s*51\.0 MB\s*│\s*33\.0 MB\s*│", text);
        Assert.Matches(@"managed heap after a full GC, at 10 %\s*│\s*0\.0 KB\s*│\s*32\.0 MB\s*│", text);
        Assert.Matches(@"of which held by buffer pools, at 10 % / at the end\s*│\s*0\.0 KB / 0\.0 KB\s*│\s*5\.0 MB / 22\.0 MB\s*│", text);
        Assert.Matches(@"heap growth per 1 000 sessions\s*│\s*\+0\.0 KB\s*│\s*\+1\.0 MB\s*│", text);
        Assert.Matches(@"teardown p50 / p99\s*│\s*—\s*│\s*0\.4 ms / 13 ms\s*│", text);
        Assert.Matches(@"idle expired\s*│\s*—\s*│\s*2\s*│", text);
        Assert.Matches(@"close round trip p50 / p99, first 10 %\s*│\s*—\s*│\s*41 ms / 212 ms\s*│", text);
        Assert.Matches(@"close round trip p50 / p99, last 10 %\s*│\s*—\s*│\s*43 ms / 215 ms\s*│", text);
        Assert.Matches(@"thread-pool queue at the end\s*│\s*0\s*│\s*3\s*│", text);
    }
}
