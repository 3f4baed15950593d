using System.Collections.Generic;
using System.IO;
using SessionGuard.VoiceGateway.Cli;
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
        var guarded = new GatewayRunResult(GatewayMode.Guarded, new LoadResult(clients, 348, 0, 2), true, new PipelineCounters(), default, 0, 0, 33L << 20);

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
        Assert.Matches(@"managed heap after a full GC\s*│\s*51\.0 MB\s*│\s*33\.0 MB\s*│", text);
    }
}
