using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace SessionGuard.Generators.Tests;

/// <summary>Builds test compilations against the running framework and SessionGuard, and runs the generator and analyzer.</summary>
internal static class TestCompilation
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkReferences = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(static p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(static p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray());

    private static readonly MetadataReference SessionGuardReference = MetadataReference.CreateFromFile(typeof(SessionId).Assembly.Location);

    private static readonly MetadataReference DependencyInjectionReference = MetadataReference.CreateFromFile(typeof(IServiceCollection).Assembly.Location);

    public static CSharpCompilation Create(bool withDependencyInjection, params string[] sources)
    {
        var references = FrameworkReferences.Value.Add(SessionGuardReference);
        if (withDependencyInjection)
        {
            references = references.Add(DependencyInjectionReference);
        }

        return CSharpCompilation.Create(
            "TestAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    public static GeneratorDriver NewDriver() => CSharpGeneratorDriver.Create(
        new[] { new SessionScopedGenerator().AsSourceGenerator() },
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns the generated files by hint name and the compilation that includes them.</summary>
    public static (IReadOnlyDictionary<string, string> Files, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics) Run(Compilation compilation)
    {
        GeneratorDriver driver = NewDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var diagnostics);
        var files = driver.GetRunResult().Results.Single().GeneratedSources
            .ToDictionary(static s => s.HintName, static s => s.SourceText.ToString(), StringComparer.Ordinal);
        return (files, output, diagnostics);
    }

    /// <summary>Warnings and errors of a compilation (hidden and info diagnostics are not problems).</summary>
    public static IReadOnlyList<Diagnostic> Problems(Compilation compilation) =>
        compilation.GetDiagnostics().Where(static d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Compilation compilation)
    {
        var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new SessionScopedUsageAnalyzer()));
        return await withAnalyzers.GetAnalyzerDiagnosticsAsync();
    }
}
