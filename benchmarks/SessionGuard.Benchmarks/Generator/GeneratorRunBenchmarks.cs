using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SessionGuard.Generators;

namespace SessionGuard.Benchmarks.Generator;

/// <summary>
/// The generator over a compilation of 500 owners (one file each, three members each) plus an unrelated file: the
/// first run with a new driver, against a re-run of a warm driver after the unrelated file was edited. Three ways
/// to get the compilation: "cold" rows build a fresh one from already-parsed trees in every operation (the
/// compiler binds everything inside the run); "ReplaceSyntaxTree" rows replace the edited tree in the previous,
/// bound compilation (what an IDE does); "bound" rows reuse compilations a throw-away run has bound (the
/// generator's own cost). "Floor" rows run reference generators with the cheapest possible transform.
/// </summary>
/// <remarks>
/// Two categories, each with its own baseline, so that BenchmarkDotNet's Ratio column only divides runs made under
/// the same conditions: "Unbound" rows (cold and ReplaceSyntaxTree: the compiler binds inside every row) against
/// the cold first run, "Bound" rows (ours and the floors) against our first run on the bound compilation. With the
/// cold first run as the one baseline of all rows, the bound re-run printed a ratio of 0.06: a bound re-run divided
/// by a first run that also pays the compiler's binding, which read as the goal met when the same-condition ratio
/// is about 0.16.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GeneratorRunBenchmarks
{
    private const int Owners = 500;
    private const string Unbound = nameof(Unbound);
    private const string Bound = nameof(Bound);
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
    private GeneratorDriver _floorEmittingWarmDriver = null!;

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
        _floorEmittingWarmDriver = NewFloorEmittingDriver().RunGenerators(_boundBase);
        generated = _floorEmittingWarmDriver.GetRunResult().GeneratedTrees.Length;
        if (generated != Owners)
        {
            throw new InvalidOperationException($"Expected {Owners} files from the emitting floor, got {generated}.");
        }
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
    [BenchmarkCategory(Unbound)]
    public GeneratorDriver FirstRun() => NewDriver().RunGenerators(Compile(_unrelated));

    /// <summary>Re-run after an unrelated edit; the edited compilation is new, so binding happens inside the run.</summary>
    [Benchmark]
    [BenchmarkCategory(Unbound)]
    public GeneratorDriver RerunAfterUnrelatedEdit() => _warmDriver.RunGenerators(Compile(_unrelatedEdited));

    /// <summary>
    /// Re-run after an unrelated edit, the edited compilation made as an IDE makes it: the previous (bound)
    /// compilation with the edited tree replaced. The compiler reuses its declarations and references, but the
    /// symbols the generator asks for are bound inside the run.
    /// </summary>
    [Benchmark]
    [BenchmarkCategory(Unbound)]
    public GeneratorDriver RerunAfterUnrelatedEditReplaceSyntaxTree() => _boundWarmDriver.RunGenerators(_boundBase.ReplaceSyntaxTree(_unrelated, _unrelatedEdited));

    /// <summary>First run on a compilation the compiler has already bound (as in an IDE): the generator's own cost.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Bound)]
    public GeneratorDriver FirstRunBoundCompilation() => NewDriver().RunGenerators(_boundBase);

    /// <summary>Re-run after an unrelated edit on an already-bound compilation: the generator's own incremental cost.</summary>
    [Benchmark]
    [BenchmarkCategory(Bound)]
    public GeneratorDriver RerunAfterUnrelatedEditBoundCompilation() => _boundWarmDriver.RunGenerators(_boundEdited);

    /// <summary>The floor: a generator whose transform only returns the member's name and emits nothing, first run.</summary>
    [Benchmark]
    [BenchmarkCategory(Bound)]
    public GeneratorDriver FloorFirstRunBoundCompilation() => NewFloorDriver().RunGenerators(_boundBase);

    /// <summary>The floor's re-run after an unrelated edit: what ForAttributeWithMetadataName costs by itself.</summary>
    [Benchmark]
    [BenchmarkCategory(Bound)]
    public GeneratorDriver FloorRerunAfterUnrelatedEditBoundCompilation() => _floorWarmDriver.RunGenerators(_boundEdited);

    /// <summary>
    /// The emitting floor, first run: the floor's transform returns the owner's and the member's names, and one
    /// two-line file per owner is emitted, under the same hint names as ours.
    /// </summary>
    [Benchmark]
    [BenchmarkCategory(Bound)]
    public GeneratorDriver FloorEmittingFirstRunBoundCompilation() => NewFloorEmittingDriver().RunGenerators(_boundBase);

    /// <summary>
    /// The emitting floor's re-run: what any generator that writes one file per owner pays on an unrelated edit
    /// (<c>ForAttributeWithMetadataName</c>, plus the driver re-adding the 500 cached files to the run's output).
    /// </summary>
    [Benchmark]
    [BenchmarkCategory(Bound)]
    public GeneratorDriver FloorEmittingRerunAfterUnrelatedEditBoundCompilation() => _floorEmittingWarmDriver.RunGenerators(_boundEdited);

    /// <summary>The emitting floor's re-run on a compilation made with <c>ReplaceSyntaxTree</c>, as in an IDE.</summary>
    [Benchmark]
    [BenchmarkCategory(Unbound)]
    public GeneratorDriver FloorEmittingRerunAfterUnrelatedEditReplaceSyntaxTree() => _floorEmittingWarmDriver.RunGenerators(_boundBase.ReplaceSyntaxTree(_unrelated, _unrelatedEdited));

    private static GeneratorDriver NewFloorDriver() => CSharpGeneratorDriver.Create(
        new[] { new FloorGenerator().AsSourceGenerator() },
        parseOptions: ParseOptions);

    private static GeneratorDriver NewFloorEmittingDriver() => CSharpGeneratorDriver.Create(
        new[] { new FloorEmittingGenerator().AsSourceGenerator() },
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

    /// <summary>The cheapest attribute-driven generator that writes one file per owner, for reference.</summary>
    private sealed class FloorEmittingGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var owners = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    "SessionGuard.SessionScopedAttribute",
                    static (_, _) => true,
                    static (ctx, _) => (Owner: ctx.TargetSymbol.ContainingType.Name, Namespace: ctx.TargetSymbol.ContainingNamespace.Name, Member: ctx.TargetSymbol.Name))
                .Collect()
                .SelectMany(static (members, _) => members.Select(static m => (m.Namespace, m.Owner)).Distinct());
            context.RegisterSourceOutput(owners, static (spc, owner) =>
                spc.AddSource($"Bench.{owner.Namespace}.{owner.Owner}.SessionScoped.g.cs", $"// {owner.Owner}\nnamespace Bench.{owner.Namespace};\n"));
        }
    }
}
