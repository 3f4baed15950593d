using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using SessionGuard.Analyzers;

namespace SessionGuard.Benchmarks.Analyzers;

/// <summary>
/// Analyzer cost on a large generated compilation (<see cref="GeneratedCorpus.Files"/> files): the compiler alone
/// (binding and flow analysis of every method, as <c>GetDiagnostics</c> does), then the compiler plus the six
/// SessionGuard analyzers, plus every Microsoft.VisualStudio.Threading.Analyzers analyzer, and plus only the VSTHRD
/// analyzers for the same concerns (VSTHRD100 async void, VSTHRD101 async void lambdas, VSTHRD110 unobserved result).
/// Each run starts from a fresh compilation over the same parsed trees; analysis is single-threaded so that the
/// numbers are cost, not parallelism. <c>DriverBaseline</c> runs one analyzer that does nothing but ask for every
/// invocation: the cost any operation-based analyzer pays for the analyzer driver and the IOperation trees.
/// An analyzer set's own cost = its row minus <c>DriverBaseline</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 6)]
public class AnalyzerBenchmarks
{
    private ImmutableArray<SyntaxTree> _trees;
    private ImmutableArray<MetadataReference> _references;
    private ImmutableArray<DiagnosticAnalyzer> _sessionGuard;
    private ImmutableArray<DiagnosticAnalyzer> _vsThreadingAll;
    private ImmutableArray<DiagnosticAnalyzer> _vsThreadingSameConcerns;

    [GlobalSetup]
    public void Setup()
    {
        _trees = GeneratedCorpus.Parse();
        _references = GeneratedCorpus.References();
        _sessionGuard = SessionGuardAnalyzers();
        _vsThreadingAll = VsThreadingAnalyzers();
        _vsThreadingSameConcerns = _vsThreadingAll
            .Where(a => a.SupportedDiagnostics.Any(d => d.Id is "VSTHRD100" or "VSTHRD101" or "VSTHRD110"))
            .ToImmutableArray();
        if (_vsThreadingSameConcerns.IsEmpty)
        {
            throw new InvalidOperationException("VSTHRD100/101/110 analyzers not found in Microsoft.VisualStudio.Threading.Analyzers.");
        }

        // The input must be valid C#, and every analyzer set must have something to find.
        var errors = GeneratedCorpus.Compile(_trees, _references).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("The generated corpus does not compile: " + errors[0]);
        }

        foreach (var (name, set) in new[] { ("SessionGuard", _sessionGuard), ("VSTHRD", _vsThreadingSameConcerns) })
        {
            if (Analyze(set) == 0)
            {
                throw new InvalidOperationException(name + " analyzers found nothing in the generated corpus.");
            }
        }
    }

    [Benchmark(Baseline = true)]
    public int CompilerOnly() => GeneratedCorpus.Compile(_trees, _references).GetDiagnostics().Length;

    [Benchmark]
    public int DriverBaseline() => Analyze(ImmutableArray.Create<DiagnosticAnalyzer>(new DriverBaselineAnalyzer()));

    [Benchmark]
    public int SessionGuard() => Analyze(_sessionGuard);

    [Benchmark]
    public int VsThreading_SameConcerns() => Analyze(_vsThreadingSameConcerns);

    [Benchmark]
    public int VsThreading_All() => Analyze(_vsThreadingAll);

    public static ImmutableArray<DiagnosticAnalyzer> SessionGuardAnalyzers() => ImmutableArray.Create<DiagnosticAnalyzer>(
        new FireAndForgetAnalyzer(),
        new AsyncVoidMethodAnalyzer(),
        new AsyncVoidLambdaAnalyzer(),
        new PerSessionCollectionAnalyzer(),
        new OwnerNotRegisteredAnalyzer(),
        new SubscriptionAccumulatesAnalyzer());

    public static ImmutableArray<DiagnosticAnalyzer> VsThreadingAnalyzers()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "vsthrd");
        var loader = new Loader();
        var analyzers = ImmutableArray.CreateBuilder<DiagnosticAnalyzer>();
        // The CodeFixes assembly needs Workspaces, which a command-line build does not load either.
        var paths = Directory.GetFiles(folder, "Microsoft.VisualStudio.Threading.Analyzers*.dll")
            .Where(p => !p.Contains("CodeFixes", StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToList();
        if (paths.Count == 0)
        {
            throw new InvalidOperationException("Microsoft.VisualStudio.Threading.Analyzers was not found in " + folder);
        }

        foreach (var path in paths)
        {
            loader.AddDependencyLocation(path);
        }

        foreach (var path in paths)
        {
            analyzers.AddRange(new AnalyzerFileReference(path, loader).GetAnalyzers(LanguageNames.CSharp));
        }

        return analyzers.ToImmutable();
    }

    /// <summary>Runs the compiler and <paramref name="analyzers"/> over a fresh compilation; returns the diagnostic count.</summary>
    public int Analyze(ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var compilation = GeneratedCorpus.Compile(_trees, _references);
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (ex, analyzer, diagnostic) => throw new InvalidOperationException($"{analyzer} threw", ex),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        return compilation.WithAnalyzers(analyzers, options).GetAllDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult().Length;
    }

    private sealed class Loader : IAnalyzerAssemblyLoader
    {
        private readonly Dictionary<string, Assembly> _loaded = new(StringComparer.Ordinal);

        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath)
        {
            lock (_loaded)
            {
                if (!_loaded.TryGetValue(fullPath, out var assembly))
                {
                    assembly = Assembly.LoadFrom(fullPath);
                    _loaded.Add(fullPath, assembly);
                }

                return assembly;
            }
        }
    }
}
