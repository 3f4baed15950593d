using System.Threading.Tasks;
using Microsoft.CodeAnalysis;

namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001 in test projects (a compilation that references a test framework): reported by default, silent with
/// <c>sessionguard.SG1001.report_in_test_projects = false</c>, which leaves other projects alone.
/// </summary>
public class FireAndForgetTestProjectTests
{
    private const string Pipelining = """
        class ClientTests
        {
            Task SendAsync(string command) => Stream.Null.FlushAsync();
            Task<string> ReadAsync() => Task.FromResult("OK");

            async Task Pipelined_commands_are_answered_in_order()
            {
                {|SG1001:SendAsync("PING")|};
                _ = {|SG1001:SendAsync("PING")|};
                await ReadAsync();
            }
        }
        """;

    private static readonly MetadataReference[] Xunit = { MetadataReference.CreateFromFile(typeof(FactAttribute).Assembly.Location) };

    [Fact]
    public Task A_test_project_is_reported_by_default() =>
        Verify.Analyzer<FireAndForgetAnalyzer>(Sources.Wrap(Pipelining), null, Xunit);

    [Fact]
    public Task A_test_project_is_silent_when_the_option_is_false() =>
        Verify.Analyzer<FireAndForgetAnalyzer>(
            Sources.Wrap(Pipelining.Replace("{|SG1001:", string.Empty, System.StringComparison.Ordinal).Replace("|}", string.Empty, System.StringComparison.Ordinal)),
            "sessionguard.SG1001.report_in_test_projects = false",
            Xunit);

    [Fact]
    public Task Other_projects_ignore_the_option() =>
        Verify.Analyzer<FireAndForgetAnalyzer>(Sources.Wrap(Pipelining), "sessionguard.SG1001.report_in_test_projects = false");
}
