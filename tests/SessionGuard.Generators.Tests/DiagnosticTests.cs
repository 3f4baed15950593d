using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;

namespace SessionGuard.Generators.Tests;

/// <summary>One test per SG0xxx rule: reported at the member, with a message naming it; error rules also stop generation.</summary>
public class DiagnosticTests
{
    private const string Usings = """
        using System;
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Threading;
        using SessionGuard;

        """;

    /// <summary>Analyzes <paramref name="source"/>; asserts exactly the expected id, at the first occurrence of <paramref name="at"/> after "/*here*/".</summary>
    private static async Task<Diagnostic> ExpectAsync(string source, string id, string at, DiagnosticSeverity severity, int expectedFiles = 0)
    {
        source = Usings + source;
        var compilation = TestCompilation.Create(false, source);
        var diagnostics = await TestCompilation.AnalyzeAsync(compilation);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        int marker = source.IndexOf("/*here*/", StringComparison.Ordinal);
        Assert.True(marker >= 0, "the test source needs a /*here*/ marker");
        int start = source.IndexOf(at, marker, StringComparison.Ordinal);
        Assert.Equal(start, diagnostic.Location.SourceSpan.Start);
        Assert.Equal(at, source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.EndsWith($"/docs/rules/{id}.md", diagnostic.Descriptor.HelpLinkUri, StringComparison.Ordinal);
        Assert.True(System.IO.File.Exists(System.IO.Path.Combine(RepoRoot(), "docs", "rules", id + ".md")), $"docs/rules/{id}.md is missing");

        var (files, _, generatorDiagnostics) = TestCompilation.Run(compilation);
        Assert.Empty(generatorDiagnostics); // the generator itself never reports
        if (severity == DiagnosticSeverity.Error)
        {
            Assert.Equal(expectedFiles, files.Count); // an invalid owner gets no code
        }
        else
        {
            Assert.NotEmpty(files);
        }

        return diagnostic;
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(file)!, "..", ".."));

    [Theory]
    [InlineData("class")]
    [InlineData("nested")]
    public async Task SG0001_owner_or_enclosing_type_not_partial(string shape)
    {
        string source = shape == "class"
            ? "public class Owner { [SessionScoped] private readonly Dictionary<SessionId, int> /*here*/_map = new(); }"
            : "public class Outer { public partial class Owner { [SessionScoped] private readonly Dictionary<SessionId, int> /*here*/_map = new(); } }";
        var d = await ExpectAsync(source, "SG0001", "_map", DiagnosticSeverity.Error);
        Assert.Contains(shape == "class" ? "'Owner'" : "'Outer'", d.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("'_map'", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("List<SessionId>")]
    [InlineData("IReadOnlyDictionary<SessionId, int>")]
    [InlineData("int")]
    public async Task SG0002_unsupported_member_type(string type)
    {
        var d = await ExpectAsync($"public partial class Owner {{ [SessionScoped] private readonly {type} /*here*/_map = default!; }}", "SG0002", "_map", DiagnosticSeverity.Error);
        Assert.Contains(type, d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Dictionary<(string, int), int>", "", "no accessible SessionId member")]
    [InlineData("Dictionary<(SessionId A, SessionId B), int>", "", "2 SessionId members")]
    [InlineData("Dictionary<(SessionId A, int B), int>", "(SessionKey = \"Missing\")", "'Missing'")]
    [InlineData("Dictionary<(SessionId A, int B), int>", "(SessionKey = \"B\")", "neither SessionId nor string")]
    [InlineData("Dictionary<int, int>", "", "not a composite type")]
    public async Task SG0003_key_without_a_way_to_the_session(string type, string arguments, string reason)
    {
        var d = await ExpectAsync($"public partial class Owner {{ [SessionScoped{arguments}] private readonly {type} /*here*/_map = new(); }}", "SG0003", "_map", DiagnosticSeverity.Error);
        Assert.Contains(reason, d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("private Dictionary<SessionId, int> /*here*/_map = new();", "_map")]
    [InlineData("public Dictionary<SessionId, int> /*here*/Map { get; set; } = new();", "Map")]
    public async Task SG0004_member_not_readonly(string member, string name)
    {
        var d = await ExpectAsync($"public partial class Owner {{ [SessionScoped] {member} }}", "SG0004", name, DiagnosticSeverity.Warning);
        Assert.Contains($"'{name}'", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public partial class Owner { [SessionScoped] private static readonly Dictionary<SessionId, int> /*here*/_map = new(); }")]
    [InlineData("public static partial class Owner { [SessionScoped] private static readonly Dictionary<SessionId, int> /*here*/_map = new(); }")]
    public async Task SG0005_static_member_or_static_class(string source)
    {
        await ExpectAsync(source, "SG0005", "_map", DiagnosticSeverity.Error);
    }

    [Theory]
    [InlineData("private readonly int _gate;", "not a reference type")]
    [InlineData("private object Gate => new();", "not a field")]
    [InlineData("", "names nothing")]
    public async Task SG0006_sync_root_is_not_a_usable_field(string gate, string reason)
    {
        var d = await ExpectAsync($"public partial class Owner {{ {gate} [SessionScoped(SyncRoot = \"_gate\")] private readonly Dictionary<SessionId, int> /*here*/_map = new(); }}".Replace("Gate =>", "_gate =>", StringComparison.Ordinal), "SG0006", "_map", DiagnosticSeverity.Error);
        Assert.Contains(reason, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SG0007_composite_key_on_a_dictionary_suggests_SessionMap()
    {
        var d = await ExpectAsync("public partial class Owner { [SessionScoped] private readonly ConcurrentDictionary<(SessionId S, int N), int> /*here*/_map = new(); }", "SG0007", "_map", DiagnosticSeverity.Info);
        Assert.Contains("SessionMap", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SG0008_owner_derives_from_an_owner()
    {
        var d = await ExpectAsync(
            "public partial class Base { [SessionScoped] private readonly HashSet<SessionId> _a = new(); } public partial class Derived : Base { } public partial class Owner : Derived { [SessionScoped] private readonly Dictionary<SessionId, int> /*here*/_map = new(); }",
            "SG0008",
            "_map",
            DiagnosticSeverity.Error,
            expectedFiles: 1); // the base owner still gets its code
        Assert.Contains("'Base'", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Valid_usage_reports_nothing()
    {
        var compilation = TestCompilation.Create(false, Usings + """
            public sealed record Key(SessionId Session, int N);
            public partial class Owner
            {
                private readonly object _gate = new();
                [SessionScoped] private readonly ConcurrentDictionary<SessionId, CancellationTokenSource> _a = new();
                [SessionScoped(SyncRoot = nameof(_gate))] private readonly Dictionary<string, int> _b = new();
                [SessionScoped] private readonly SessionMap<Key, int> _c = new(static k => k.Session);
                [SessionScoped] private readonly PendingOperations<Key, int> _d = new();
                [SessionScoped] public ISet<SessionId> E { get; } = new HashSet<SessionId>();
            }
            """);
        Assert.Empty(await TestCompilation.AnalyzeAsync(compilation));
    }

    [Fact]
    public async Task Pragma_suppresses_a_rule_at_the_member()
    {
        var compilation = TestCompilation.Create(false, Usings + """
            public partial class Owner
            {
            #pragma warning disable SG0004
                [SessionScoped] private Dictionary<SessionId, int> _map = new();
            #pragma warning restore SG0004
                [SessionScoped] private Dictionary<SessionId, int> _other = new();
            }
            """);
        var d = Assert.Single(await TestCompilation.AnalyzeAsync(compilation));
        Assert.Equal("SG0004", d.Id);
        Assert.Contains("'_other'", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_rule_is_in_the_release_tracking_file_and_has_a_page()
    {
        string unshipped = System.IO.File.ReadAllText(System.IO.Path.Combine(RepoRoot(), "generators", "SessionGuard.Generators", "AnalyzerReleases.Unshipped.md"));
        foreach (var descriptor in new SessionScopedUsageAnalyzer().SupportedDiagnostics)
        {
            Assert.Contains($"{descriptor.Id} | {descriptor.Category} | {descriptor.DefaultSeverity}", unshipped, StringComparison.Ordinal);
            string page = System.IO.File.ReadAllText(System.IO.Path.Combine(RepoRoot(), "docs", "rules", descriptor.Id + ".md"));
            foreach (string section in new[] { "## Why", "## Bad", "## Good", "## How to suppress" })
            {
                Assert.Contains(section, page, StringComparison.Ordinal);
            }
        }
    }
}
