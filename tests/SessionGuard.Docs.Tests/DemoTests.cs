using System.IO;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using SessionGuard.Demo;
using Xunit;

namespace SessionGuard.Docs.Tests;

/// <summary>The console demo (samples/SessionGuard.Demo) runs on a fake clock: its numbers are the same on every run.</summary>
public class DemoTests
{
    [Fact]
    public async Task The_demo_exits_0_and_shows_what_it_prevents()
    {
        var output = new StringWriter();
        int exitCode = await DemoRun.RunAsync(output);
        string text = output.ToString();

        Assert.True(exitCode == 0, text);
        Assert.Contains("8 sessions ended; residual check: clean", text, System.StringComparison.Ordinal);

        // What the same calls leave in plain collections.
        var naive = Regex.Match(text, @"naive twin, fed the same calls, still holds (\d+) entries: (.*)");
        Assert.True(naive.Success, text);
        Assert.Equal("31", naive.Groups[1].Value);
        Assert.Contains("_translations=1", naive.Groups[2].Value, System.StringComparison.Ordinal);

        // Translations in flight released at teardown (alice's, carol's, dave's).
        Assert.Contains("pending translations released at teardown: 3", text, System.StringComparison.Ordinal);

        // A ring per session and its dropped-audio counters: alice wrote 60 frames into a 50-frame ring.
        Assert.Contains("audio ring: 38400 bytes written, 16000 read, 35 chunks (22400 bytes) dropped", text, System.StringComparison.Ordinal);

        // Metrics read back from the meter.
        Assert.Contains("sessionguard.sessions.opened = 8", text, System.StringComparison.Ordinal);
        Assert.Contains("sessionguard.sessions.ended {reason=evicted} = 1", text, System.StringComparison.Ordinal);
        Assert.Contains("sessionguard.tasks.undrained = 1", text, System.StringComparison.Ordinal);
        Assert.Contains("undrained task: blocking-tts-call", text, System.StringComparison.Ordinal);
    }
}
