using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using SessionGuard.Docs.Tests.Snippets;
using Xunit;

namespace SessionGuard.Docs.Tests;

/// <summary>
/// The README's C# blocks and the docs' main examples are compiled here (Snippets/): each block's non-blank lines
/// (comments included, whitespace collapsed) appear in order in one snippet file, so the markdown shows compiled code.
/// </summary>
public class DocsSnippetTests
{
    private static readonly string Root = FindRoot();

    private static readonly string[] SnippetFiles = Directory
        .EnumerateFiles(Path.Combine(Root, "tests", "SessionGuard.Docs.Tests", "Snippets"), "*.cs", SearchOption.AllDirectories)
        .ToArray();

    public static TheoryData<string> RulePages()
    {
        var data = new TheoryData<string>();
        foreach (var page in Directory.EnumerateFiles(Path.Combine(Root, "docs", "rules"), "*.md").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(page));
        }

        return data;
    }

    [Fact]
    public void Every_csharp_block_of_the_README_is_compiled_in_a_snippet_file()
    {
        var blocks = CSharpBlocks(File.ReadAllText(Path.Combine(Root, "README.md")));
        Assert.NotEmpty(blocks);
        AssertCompiled("README.md", blocks);
    }

    [Fact]
    public void The_generator_page_main_example_is_compiled_in_a_snippet_file()
    {
        var blocks = CSharpBlocks(File.ReadAllText(Path.Combine(Root, "docs", "generator.md")));
        AssertCompiled("docs/generator.md", blocks.Take(1).ToList());
    }

    [Fact]
    public void Every_csharp_block_of_the_redis_page_is_compiled_in_a_snippet_file()
    {
        var blocks = CSharpBlocks(File.ReadAllText(Path.Combine(Root, "docs", "redis.md")));
        Assert.NotEmpty(blocks);
        AssertCompiled("docs/redis.md", blocks);
    }

    /// <summary>
    /// The Good section and every "Not reported" section of a rule page: the snippet project builds with the analyzers
    /// and SG warnings as errors, so an example the page says is not reported fails the build when it is reported
    /// (a line the page marks as reported is compiled between a pragma that disables that rule and one that restores it).
    /// </summary>
    [Theory]
    [MemberData(nameof(RulePages))]
    public void Every_good_and_not_reported_example_of_a_rule_page_is_compiled_in_a_snippet_file(string page)
    {
        string text = File.ReadAllText(Path.Combine(Root, "docs", "rules", page)).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.True(text.Contains("\n## Good", StringComparison.Ordinal), page + " has no Good section");
        var blocks = new List<string>();
        foreach (var heading in new[] { "\n## Good", "\n## Not reported" })
        {
            for (int at = text.IndexOf(heading, StringComparison.Ordinal); at >= 0; at = text.IndexOf(heading, at + 1, StringComparison.Ordinal))
            {
                int next = text.IndexOf("\n## ", at + 1, StringComparison.Ordinal);
                blocks.AddRange(CSharpBlocks(next < 0 ? text[at..] : text[at..next]));
            }
        }

        Assert.NotEmpty(blocks);
        AssertCompiled("docs/rules/" + page, blocks);
    }

    [Fact]
    public void The_rule_checks_order_and_content()
    {
        var file = Lines("a();\n// note\nb();\nc();");
        Assert.True(Contained(Lines("a();\nc();"), file));
        Assert.False(Contained(Lines("c();\na();"), file));
        Assert.False(Contained(Lines("a();\nd();"), file));
    }

    [Fact]
    public async Task The_quick_start_runs_and_leaves_nothing_behind()
    {
        var (report, residuals) = await QuickStart.RunAsync("caller-42", new[] { new byte[160], new byte[320] });
        Assert.NotNull(report);
        Assert.Equal(1, report.TasksStarted);
        Assert.Empty(report.UndrainedTasks);
        Assert.Equal(1, report.ResourcesDisposed);
        Assert.Equal(1, report.TempFilesDeleted);
        Assert.Equal(2, report.EntriesRemoved); // _bytesHeard and _turns held the session
        Assert.True(residuals.IsClean, residuals.ToString());
    }

    private static void AssertCompiled(string source, IReadOnlyList<string> blocks)
    {
        var files = SnippetFiles.Select(f => (Path: f, Lines: Lines(File.ReadAllText(f)))).ToList();
        var missing = new List<string>();
        for (int i = 0; i < blocks.Count; i++)
        {
            var block = Lines(blocks[i]);
            if (block.Count > 0 && !files.Any(f => Contained(block, f.Lines)))
            {
                missing.Add($"{source} C# block {i + 1} (starting '{block[0]}')");
            }
        }

        Assert.True(missing.Count == 0, "Not found in order in any file of tests/SessionGuard.Docs.Tests/Snippets:\n" + string.Join("\n", missing));
    }

    private static List<string> CSharpBlocks(string markdown) =>
        Regex.Matches(markdown.Replace("\r\n", "\n", StringComparison.Ordinal), "```(?:csharp|cs|c#)\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value)
            .ToList();

    private static List<string> Lines(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')
            .Select(l => Regex.Replace(l.Trim(), @"\s+", " "))
            .Where(l => l.Length > 0)
            .ToList();

    private static bool Contained(List<string> block, List<string> file)
    {
        int i = 0;
        foreach (var line in file)
        {
            if (i < block.Count && line == block[i])
            {
                i++;
            }
        }

        return i == block.Count;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Framework.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Framework.sln not found above " + AppContext.BaseDirectory);
    }
}
