using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SessionGuard.Generators;

namespace SessionGuard.Benchmarks.Generator;

/// <summary>
/// The generator over a compilation of 500 owners (one file each) plus an unrelated file: the first run with a new
/// driver, against a re-run of a warm driver after the unrelated file was edited. Each operation builds a fresh
/// compilation from already-parsed trees, so the compiler's own semantic caches are cold in both cases.
/// </summary>
[MemoryDiagnoser]
public class GeneratorRunBenchmarks
{
    private const int Owners = 500;
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);
    private List<SyntaxTree> _trees = new();
    private SyntaxTree _unrelated = null!;
    private SyntaxTree _unrelatedEdited = null!;
    private MetadataReference[] _references = Array.Empty<MetadataReference>();
    private GeneratorDriver _warmDriver = null!;
    private CSharpCompilation _boundBase = null!;
    private CSharpCompilation _boundEdited = null!;
    private GeneratorDriver _boundWarmDriver = null!;
    private GeneratorDriver _floorWarmDriver = null!;

    [GlobalSetup]
    public void Setup()
    {
        _references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(static p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll")
            .Select(static p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(SessionId).Assembly.Location))
            .ToArray();
        for (int i = 0; i < Owners; i++)
        {
            _trees.Add(CSharpSyntaxTree.ParseText(OwnerSource(i), ParseOptions, path: $"Owner{i}.cs"));
        }

        _unrelated = CSharpSyntaxTree.ParseText(Unrelated("x * 2"), ParseOptions, path: "Unrelated.cs");
        _unrelatedEdited = CSharpSyntaxTree.ParseText(Unrelated("x * 3"), ParseOptions, path: "Unrelated.cs");
        _warmDriver = NewDriver().RunGenerators(Compile(_unrelated));
        int generated = _warmDriver.GetRunResult().GeneratedTrees.Length;
        if (generated != Owners)
        {
            throw new InvalidOperationException($"Expected {Owners} generated files, got {generated}.");
        }

        // Bound compilations: a throwaway run binds everything the generator looks at, once.
        _boundBase = Compile(_unrelated);
        _boundEdited = Compile(_unrelatedEdited);
        _ = NewDriver().RunGenerators(_boundEdited);
        _boundWarmDriver = NewDriver().RunGenerators(_boundBase);
        _floorWarmDriver = NewFloorDriver().RunGenerators(_boundBase);
    }

    private static string OwnerSource(int i) => $$"""
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using SessionGuard;

        namespace Bench.N{{i % 20}};

        public sealed record Key{{i}}(SessionId Session, int Turn);

        public sealed partial class Owner{{i}}
        {
            private readonly object _gate = new();
            [SessionScoped] private readonly ConcurrentDictionary<SessionId, string> _text = new();
            [SessionScoped(SyncRoot = nameof(_gate))] private readonly Dictionary<string, int> _counts = new();
            [SessionScoped] private readonly SessionMap<Key{{i}}, byte[]> _chunks = new(static k => k.Session);

            public int Work(int x) => x + {{i}};
        }
        """;

    private static string Unrelated(string body) => $$"""
        namespace Bench;

        public static class Helpers
        {
            public static int Twice(int x) => {{body}};
        }
        """;

    private CSharpCompilation Compile(SyntaxTree unrelated) => CSharpCompilation.Create(
        "Bench",
        _trees.Append(unrelated),
        _references,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private static GeneratorDriver NewDriver() => CSharpGeneratorDriver.Create(
        new[] { new SessionScopedGenerator().AsSourceGenerator() },
        parseOptions: ParseOptions);

    /// <summary>First run; the compilation is new, so the compiler binds the owners' attributes and types inside the run.</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver FirstRun() => NewDriver().RunGenerators(Compile(_unrelated));

    /// <summary>Re-run after an unrelated edit; the edited compilation is new, so binding happens inside the run.</summary>
    [Benchmark]
    public GeneratorDriver RerunAfterUnrelatedEdit() => _warmDriver.RunGenerators(Compile(_unrelatedEdited));

    /// <summary>First run on a compilation the compiler has already bound (as in an IDE): the generator's own cost.</summary>
    [Benchmark]
    public GeneratorDriver FirstRunBoundCompilation() => NewDriver().RunGenerators(_boundBase);

    /// <summary>Re-run after an unrelated edit on an already-bound compilation: the generator's own incremental cost.</summary>
    [Benchmark]
    public GeneratorDriver RerunAfterUnrelatedEditBoundCompilation() => _boundWarmDriver.RunGenerators(_boundEdited);

    /// <summary>The floor: a generator whose transform only returns the member's name and emits nothing, first run.</summary>
    [Benchmark]
    public GeneratorDriver FloorFirstRunBoundCompilation() => NewFloorDriver().RunGenerators(_boundBase);

    /// <summary>The floor's re-run after an unrelated edit: what ForAttributeWithMetadataName costs by itself.</summary>
    [Benchmark]
    public GeneratorDriver FloorRerunAfterUnrelatedEditBoundCompilation() => _floorWarmDriver.RunGenerators(_boundEdited);

    private static GeneratorDriver NewFloorDriver() => CSharpGeneratorDriver.Create(
        new[] { new FloorGenerator().AsSourceGenerator() },
        parseOptions: ParseOptions);

    /// <summary>The cheapest possible attribute-driven generator, for reference.</summary>
    private sealed class FloorGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var names = context.SyntaxProvider.ForAttributeWithMetadataName(
                "SessionGuard.SessionScopedAttribute",
                static (_, _) => true,
                static (ctx, _) => ctx.TargetSymbol.Name);
            context.RegisterSourceOutput(names.Collect(), static (_, _) => { });
        }
    }
}
