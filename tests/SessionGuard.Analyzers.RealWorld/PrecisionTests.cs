using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit.Abstractions;

namespace SessionGuard.Analyzers.RealWorld;

/// <summary>
/// Builds the pinned codebases of codebases.json with the SessionGuard analyzers injected and compares their reports
/// with the hand-reviewed Verdicts.tsv. Fails when a codebase cannot be checked out or built, or when a report is new
/// (no verdict) or has vanished (a verdict without its report): review the difference and update the verdict file.
/// </summary>
public class PrecisionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Reports_match_the_reviewed_verdicts()
    {
        string cache = Environment.GetEnvironmentVariable("SESSIONGUARD_REALWORLD_CACHE") ?? "";
        Assert.False(cache.Length == 0,
            "SESSIONGUARD_REALWORLD_CACHE is not set: it names the folder where the pinned codebases are checked out " +
            "(see tests/SessionGuard.Analyzers.RealWorld/README.md); set SESSIONGUARD_REALWORLD_MIRRORS too for a first run");

        var suite = new Suite
        {
            Cache = Path.GetFullPath(cache),
            Mirrors = Environment.GetEnvironmentVariable("SESSIONGUARD_REALWORLD_MIRRORS"),
            CpuLock = Environment.GetEnvironmentVariable("SESSIONGUARD_REALWORLD_CPU_LOCK"),
            Log = output.WriteLine,
        };
        var codebases = Codebase.Load(Path.Combine(Suite.SuiteDirectory, "codebases.json"));
        Assert.True(codebases.Count >= 4, "the suite measures at least four codebases");

        var header = new List<string> { $"analyzers: {Suite.AnalyzerAssembly}" };
        var reports = new List<Report>();
        foreach (var codebase in codebases)
        {
            var clock = Stopwatch.StartNew();
            string root = await suite.CheckoutAsync(codebase);
            var found = await suite.BuildAsync(codebase, root);
            reports.AddRange(found);
            header.Add($"{codebase.Name} ({codebase.Repository}@{codebase.Commit[..12]}, {codebase.Framework}): {Suite.CountLines(codebase, root)} lines, " +
                       $"{found.Count} reports, built in {clock.Elapsed.TotalSeconds:F0} s");
            output.WriteLine(header[^1]);
        }

        string verdictPath = Path.Combine(Suite.SuiteDirectory, "Verdicts.tsv");
        var comparison = Comparison.Of(reports, Verdict.Read(verdictPath));
        string report = comparison.Format(header);
        output.WriteLine(report);
        File.WriteAllText(Path.Combine(suite.Cache, "report.txt"), report);

        string received = Path.Combine(Suite.SuiteDirectory, "Verdicts.received.tsv");
        bool differs = comparison.New.Any() || comparison.Vanished.Count > 0;
        if (differs)
        {
            Verdict.Write(received, Verdict.Preamble(verdictPath), comparison.Received());
        }
        else if (File.Exists(received))
        {
            File.Delete(received);
        }

        Assert.False(differs,
            $"{comparison.New.Count()} new and {comparison.Vanished.Count} vanished reports (listed above; also in {Path.Combine(suite.Cache, "report.txt")}). " +
            $"{received} has the verdict file as this run would have it, new reports marked '?': review each one against the code, " +
            "give it true or false with a one-line reason, and replace Verdicts.tsv with it.");
        Assert.Empty(comparison.Unreviewed);
    }
}
