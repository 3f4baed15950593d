using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// Realistic files modelled on leak post-mortems of real-time voice/chat servers (Corpus/*.cs). Every expected
/// diagnostic of every rule is marked in the file with <c>{|SGxxxx:...|}</c>; everything unmarked must stay
/// silent. All six analyzers run together, as they do in a build.
/// </summary>
public class CorpusTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(CorpusDirectory, "*.cs").OrderBy(f => f, StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    private static string CorpusDirectory => Path.Combine(AppContext.BaseDirectory, "Corpus");

    [Fact]
    public void The_corpus_is_not_empty_and_marks_every_rule()
    {
        var all = string.Concat(Directory.EnumerateFiles(CorpusDirectory, "*.cs").Select(File.ReadAllText));
        Assert.True(Directory.EnumerateFiles(CorpusDirectory, "*.cs").Count() >= 10);
        foreach (var id in new[] { "SG1001", "SG1002", "SG1003", "SG2001", "SG2002", "SG2003" })
        {
            Assert.Contains("{|" + id + ":", all, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Diagnostics_match_the_markup(string file)
    {
        var test = new AllAnalyzersTest { TestCode = await File.ReadAllTextAsync(Path.Combine(CorpusDirectory, file)) };
        Verify.Configure(test.TestState, editorConfig: null);
        await test.RunAsync(CancellationToken.None);
    }

    private sealed class AllAnalyzersTest : CSharpAnalyzerTest<FireAndForgetAnalyzer, DefaultVerifier>
    {
        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => new DiagnosticAnalyzer[]
        {
            new FireAndForgetAnalyzer(),
            new AsyncVoidMethodAnalyzer(),
            new AsyncVoidLambdaAnalyzer(),
            new PerSessionCollectionAnalyzer(),
            new OwnerNotRegisteredAnalyzer(),
            new SubscriptionAccumulatesAnalyzer(),
        };
    }
}
