using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SessionGuard.Package.Tests;

/// <summary>
/// The shipped generator and analyzers, taken from the package, run in a Roslyn 4.8 host (the compiler of the .NET 8
/// SDK, referenced by this project) and give the same diagnostics and generated code as the SDK's own compiler did.
/// </summary>
[Collection(PackageCollection.Name)]
public class Roslyn48HostTests
{
    private readonly PackageFixture _fixture;

    public Roslyn48HostTests(PackageFixture fixture) => _fixture = fixture;

    [Fact]
    public void This_host_is_Roslyn_4_8()
    {
        Assert.Equal(new Version(4, 8, 0, 0), typeof(CSharpCompilation).Assembly.GetName().Version);
    }

    [Fact]
    public async Task Generator_and_analyzers_from_the_package_give_what_the_SDK_build_gave()
    {
        var sdkRun = _fixture.Runs["net10.0"];
        Assert.True(sdkRun.Build.ExitCode == 0, sdkRun.Build.Output);

        var loader = new Loader();
        var references = Directory.GetFiles(Path.Combine(_fixture.Extracted, "analyzers", "dotnet", "cs"), "*.dll")
            .Select(path => new AnalyzerFileReference(path, loader))
            .ToList();
        var generators = references.SelectMany(r => r.GetGenerators(LanguageNames.CSharp)).ToImmutableArray();
        var analyzers = references.SelectMany(r => r.GetAnalyzers(LanguageNames.CSharp)).ToImmutableArray();
        Assert.NotEmpty(generators);
        Assert.NotEmpty(analyzers);

        // Compile against what the consumer build used: the runtime from the package and its dependencies.
        var metadata = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(Path.Combine(sdkRun.Directory, "bin", "Release", "net10.0"), "*.dll"))
            .Where(p => !Path.GetFileName(p).StartsWith("Consumer", StringComparison.Ordinal))
            .GroupBy(Path.GetFileName)
            .Select(g => MetadataReference.CreateFromFile(g.Last()));
        var tree = CSharpSyntaxTree.ParseText(_fixture.ConsumerSource, new CSharpParseOptions(LanguageVersion.CSharp12), path: "Program.cs");
        var compilation = CSharpCompilation.Create(
            "Consumer",
            new[] { tree },
            metadata,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        var driver = CSharpGeneratorDriver.Create(generators, parseOptions: (CSharpParseOptions)tree.Options).RunGeneratorsAndUpdateCompilation(compilation, out var updated, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        Assert.Empty(updated.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        // Same generated code, file by file.
        var generated = driver.GetRunResult().GeneratedTrees.ToDictionary(t => Path.GetFileName(t.FilePath), t => t.GetText().ToString());
        Assert.Equal(sdkRun.Generated.Keys.OrderBy(k => k), generated.Keys.OrderBy(k => k));
        foreach (var (name, text) in generated)
        {
            Assert.Equal(Normalize(sdkRun.Generated[name]), Normalize(text));
        }

        // Same SessionGuard diagnostics on the consumer's own source.
        var diagnostics = await updated.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();
        var fromHost = diagnostics
            .Where(d => d.Id.StartsWith("SG", StringComparison.Ordinal) && d.Location.SourceTree?.FilePath == "Program.cs")
            .Select(d => new BuildDiagnostic(d.Id, d.Location.GetLineSpan().StartLinePosition.Line + 1, d.Severity.ToString().ToLowerInvariant()))
            .Distinct()
            .OrderBy(d => d.Line).ThenBy(d => d.Id)
            .ToList();
        var fromSdk = sdkRun.Diagnostics.Where(d => d.Id.StartsWith("SG", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(fromSdk);
        Assert.Equal(fromSdk, fromHost);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").Trim();

    private sealed class Loader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }
}
