using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// Runs analyzers and code fixes through Microsoft.CodeAnalysis.Testing against the running .NET runtime's
/// assemblies (no reference-assembly download), Microsoft.Extensions.Logging.Abstractions and the SessionGuard
/// runtime assembly.
/// </summary>
internal static class Verify
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    /// <summary>
    /// Minimal stand-ins for the runtime types of issue 3 that are not in this branch yet. The analyzers find them
    /// by full metadata name; a type declared in source wins over one in a referenced assembly, so the stand-ins
    /// keep working when the real types arrive.
    /// </summary>
    public const string SessionStandIns = """
        namespace SessionGuard
        {
            public sealed class Session
            {
                public SessionGuard.SessionId Id => default;
                public System.Threading.CancellationToken Ending => default;
                public System.Threading.Tasks.Task Run(System.Func<System.Threading.CancellationToken, System.Threading.Tasks.Task> work, string? name = null) => work(Ending);
                public T Own<T>(T resource) where T : System.IDisposable => resource;
            }

            public sealed class SessionRegistry
            {
                public System.IDisposable Register(SessionGuard.ISessionScoped owner) => null!;
            }
        }
        """;

    public static ImmutableArray<MetadataReference> MetadataReferences => References.Value;

    public static Task Analyzer<TAnalyzer>(string source, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new() =>
        Analyzer<TAnalyzer>(source, editorConfig: null, expected);

    public static async Task Analyzer<TAnalyzer>(string source, string? editorConfig, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new AnalyzerTest<TAnalyzer> { TestCode = source };
        test.TestState.Sources.Add(("StandIns.cs", SessionStandIns));
        Configure(test.TestState, editorConfig);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
    }

    /// <summary>Like <see cref="Analyzer{TAnalyzer}(string, string?, DiagnosticResult[])"/>, with more assemblies referenced.</summary>
    public static async Task Analyzer<TAnalyzer>(string source, string? editorConfig, IEnumerable<MetadataReference> moreReferences, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new AnalyzerTest<TAnalyzer> { TestCode = source };
        test.TestState.Sources.Add(("StandIns.cs", SessionStandIns));
        Configure(test.TestState, editorConfig);
        test.TestState.AdditionalReferences.AddRange(moreReferences);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
    }

    public static async Task CodeFix<TAnalyzer, TFix>(string source, string fixedSource, int codeActionIndex = 0, string? equivalenceKey = null)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TAnalyzer, TFix> { TestCode = source, FixedCode = fixedSource, CodeActionIndex = codeActionIndex, CodeActionEquivalenceKey = equivalenceKey };
        test.TestState.Sources.Add(("StandIns.cs", SessionStandIns));
        test.FixedState.Sources.Add(("StandIns.cs", SessionStandIns));
        Configure(test.TestState, null);
        Configure(test.FixedState, null);
        test.FixedState.MarkupHandling = MarkupMode.Allow;
        await test.RunAsync(CancellationToken.None);
    }

    public static DiagnosticResult Diagnostic(string id) => new DiagnosticResult(id, DiagnosticSeverity.Warning);

    private static void Configure(SolutionState state, string? editorConfig)
    {
        state.ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        state.AdditionalReferences.AddRange(MetadataReferences);
        if (editorConfig is not null)
        {
            state.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\n" + editorConfig));
        }
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var name
                && (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll")
                && !name.Contains(".Native", StringComparison.Ordinal))
            .ToList();
        paths.Add(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location);
        paths.Add(typeof(SessionGuard.SessionId).Assembly.Location);
        paths.Add(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location);
        return paths.Distinct(StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }

    private sealed class AnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        protected override CompilationOptions CreateCompilationOptions() =>
            base.CreateCompilationOptions().WithSpecificDiagnosticOptions(NullableWarningsOff);

        protected override ParseOptions CreateParseOptions() =>
            ((Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.Preview);
    }

    private sealed class CodeFixTest<TAnalyzer, TFix> : CSharpCodeFixTest<TAnalyzer, TFix, DefaultVerifier>
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        protected override CompilationOptions CreateCompilationOptions() =>
            base.CreateCompilationOptions().WithSpecificDiagnosticOptions(NullableWarningsOff);

        protected override ParseOptions CreateParseOptions() =>
            ((Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.Preview);
    }

    private static readonly ImmutableDictionary<string, ReportDiagnostic> NullableWarningsOff =
        ImmutableDictionary<string, ReportDiagnostic>.Empty;
}
