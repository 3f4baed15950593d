using System.IO;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Cli;
using Spectre.Console;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>The progress of a run: plain lines, one per tenth, when the output is not a terminal.</summary>
public class RunProgressTests
{
    [Fact]
    public async Task Redirected_output_gets_one_plain_line_per_tenth_and_the_run_result()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });

        int result = await RunProgress.ShowAsync(console, bars: false, "naive server", 40, async monitor =>
        {
            for (int i = 0; i < 40; i++)
            {
                monitor.OnCompleted();
                if (i % 3 == 0)
                {
                    await Task.Delay(15); // some tenths are seen one by one, some several at once
                }
            }

            return 7;
        });

        Assert.Equal(7, result);
        string[] lines = output.ToString().TrimEnd().Split('\n');
        Assert.Equal(10, lines.Length);
        Assert.Matches(@"^naive server: \d+ of 40 clients finished \(10 %\)$", lines[0].TrimEnd('\r'));
        Assert.Equal("naive server: 40 of 40 clients finished (100 %)", lines[9].TrimEnd('\r'));
        Assert.DoesNotContain('\u001b', output.ToString());
        for (int t = 0; t < 10; t++)
        {
            Assert.EndsWith($"({(t + 1) * 10} %)", lines[t].TrimEnd('\r'));
        }
    }
}
