using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;

namespace SessionGuard.Analyzers.RealWorld;

/// <summary>Checks out the pinned codebases from the cache (or a mirror) and builds them with the SessionGuard analyzers injected.</summary>
public sealed class Suite
{
    private static readonly TimeSpan GitLimit = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(30);

    /// <summary>Where codebases.json, Verdicts.tsv and the injected targets live (the source folder of this project).</summary>
    public static string SuiteDirectory => Metadata("SuiteDirectory");

    /// <summary>The analyzer assembly to inject: SESSIONGUARD_REALWORLD_ANALYZERS, or this repository's Release build.</summary>
    public static string AnalyzerAssembly =>
        Environment.GetEnvironmentVariable("SESSIONGUARD_REALWORLD_ANALYZERS") is { Length: > 0 } path ? Path.GetFullPath(path) : Metadata("AnalyzerAssembly");

    /// <summary>The cache folder: one checkout per codebase, the SARIF logs and the last report.</summary>
    public required string Cache { get; init; }

    /// <summary>Folder of bare mirrors named owner+name (or owner+name/repo), used when the cache lacks a codebase or its commit.</summary>
    public string? Mirrors { get; init; }

    /// <summary>When set, each dotnet build runs under `flock` on this file (the shared CPU lock of a shared machine).</summary>
    public string? CpuLock { get; init; }

    /// <summary>Progress lines, for the test output.</summary>
    public Action<string> Log { get; init; } = _ => { };

    /// <summary>Checks out <paramref name="codebase"/> at its pinned commit into the cache and returns the checkout's root.</summary>
    public async Task<string> CheckoutAsync(Codebase codebase)
    {
        string root = Path.Combine(Cache, codebase.Repository.Replace('/', '+'));
        string? mirror = FindMirror(codebase);
        if (!Directory.Exists(Path.Combine(root, ".git")))
        {
            if (mirror is null)
            {
                throw new InvalidOperationException(
                    $"{codebase.Name}: no checkout in {root} and no mirror of {codebase.Repository} in SESSIONGUARD_REALWORLD_MIRRORS ('{Mirrors}'); " +
                    $"put a clone of the repository there (any clone with commit {codebase.Commit}) or point SESSIONGUARD_REALWORLD_MIRRORS at a folder with {codebase.Repository.Replace('/', '+')}/repo");
            }

            Directory.CreateDirectory(Cache);
            await GitAsync(Cache, "clone", "-q", "--no-checkout", mirror, root);
        }

        if ((await Git(root, "cat-file", "-e", codebase.Commit + "^{commit}")).ExitCode != 0)
        {
            if (mirror is null)
            {
                throw new InvalidOperationException($"{codebase.Name}: {root} lacks commit {codebase.Commit} and there is no mirror of {codebase.Repository} to fetch it from");
            }

            await GitAsync(root, "fetch", "-q", mirror, "+refs/heads/*:refs/remotes/mirror/*");
            if ((await Git(root, "cat-file", "-e", codebase.Commit + "^{commit}")).ExitCode != 0)
            {
                throw new InvalidOperationException($"{codebase.Name}: neither {root} nor the mirror {mirror} has commit {codebase.Commit}");
            }
        }

        await GitAsync(root, new[] { "sparse-checkout", "set", "--cone" }.Concat(codebase.Checkout).ToArray());
        // A mirror may lack large blobs outside the sparse folders: git then complains while writing the index but checks
        // out the folders; what counts is that HEAD is the pinned commit and the checked-out files are clean.
        await Git(root, "checkout", "-q", "--force", "--detach", codebase.Commit);
        string head = (await GitAsync(root, "rev-parse", "HEAD")).Trim();
        if (head != codebase.Commit)
        {
            throw new InvalidOperationException($"{codebase.Name}: HEAD is {head}, not the pinned {codebase.Commit}");
        }

        string dirty = (await GitAsync(root, "status", "--porcelain", "--untracked-files=no")).Trim();
        if (dirty.Length > 0)
        {
            throw new InvalidOperationException($"{codebase.Name}: the checkout in {root} has changes:\n{dirty}");
        }

        foreach (string folder in codebase.Checkout)
        {
            if (!Directory.Exists(Path.Combine(root, folder)))
            {
                throw new InvalidOperationException($"{codebase.Name}: {folder} is missing from the checkout at {codebase.Commit}");
            }
        }

        return root;
    }

    /// <summary>Builds the codebase's projects with the analyzers injected and returns the SessionGuard reports of their SARIF logs.</summary>
    public async Task<IReadOnlyList<Report>> BuildAsync(Codebase codebase, string root)
    {
        string analyzer = AnalyzerAssembly;
        if (!File.Exists(analyzer))
        {
            throw new InvalidOperationException($"the analyzer assembly {analyzer} does not exist: build analyzers/SessionGuard.Analyzers -c Release (or set SESSIONGUARD_REALWORLD_ANALYZERS)");
        }

        string sarif = Path.Combine(Cache, "sarif", codebase.Name);
        if (Directory.Exists(sarif))
        {
            Directory.Delete(sarif, recursive: true);
        }

        Directory.CreateDirectory(sarif);
        string targets = Path.Combine(SuiteDirectory, "SessionGuard.RealWorld.targets");
        string? options = WriteOptions(codebase);
        foreach (string project in codebase.Projects)
        {
            var arguments = new List<string>
            {
                "build", Path.Combine(root, project), "-c", "Release", "-f", codebase.Framework, "--no-incremental", "-nodeReuse:false",
                "-p:CustomAfterMicrosoftCommonTargets=" + targets,
                "-p:CustomAfterMicrosoftCommonCrossTargetingTargets=" + targets,
                "-p:SessionGuardAnalyzerAssembly=" + analyzer,
                "-p:SessionGuardSarifDirectory=" + sarif,
                // Global, so nothing in the codebase can undo them: analyzers run on the framework built (a codebase may run
                // them on one framework only), and no warning, NuGet's NU1605 included, fails the build.
                "-p:RunAnalyzers=true",
                "-p:RunAnalyzersDuringBuild=true",
                "-p:TreatWarningsAsErrors=false",
                "-p:WarningsAsErrors=",
                // Keep real source paths in the SARIF logs (a deterministic CI build maps them to /_/).
                "-p:ContinuousIntegrationBuild=false",
                "-p:DeterministicSourcePaths=false",
            };
            if (options is not null)
            {
                arguments.Add("-p:SessionGuardOptionsConfig=" + options);
            }

            arguments.AddRange(codebase.Properties.Select(p => $"-p:{p.Key}={p.Value}"));
            Log($"{codebase.Name}: dotnet {string.Join(' ', arguments.Take(6))} ...");
            // Run from the cache, outside the checkout: the dotnet muxer picks the SDK by the global.json it finds from its
            // working directory, and a codebase's global.json may pin an SDK that is not installed (8.0.100, 9.0.0). Under
            // the dotnet CLI, MSBuild resolves Microsoft.NET.Sdk from the running SDK whatever that global.json says.
            var result = CpuLock is { Length: > 0 }
                ? await Processes.RunAsync("flock", new[] { CpuLock, "dotnet" }.Concat(arguments).ToArray(), Cache, BuildLimit)
                : await Processes.RunAsync("dotnet", arguments, Cache, BuildLimit);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"{codebase.Name}: building {project} failed with exit code {result.ExitCode}:\n{Tail(result.Output, 60)}");
            }
        }

        var logs = Directory.GetFiles(sarif, "*.sarif");
        if (logs.Length == 0)
        {
            throw new InvalidOperationException($"{codebase.Name}: the build wrote no SARIF log to {sarif}: the injected targets were not imported");
        }

        return logs.SelectMany(log => Report.ReadSarif(log, codebase.Name, root))
            .GroupBy(r => r.Key)
            .Select(g => g.First())
            .ToList();
    }

    /// <summary>C# lines in the checked-out folders (bin and obj left out): the code the builds can see.</summary>
    public static int CountLines(Codebase codebase, string root) =>
        codebase.Checkout.Select(folder => Path.Combine(root, folder)).Distinct()
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Sum(f => File.ReadLines(f).Count());

    /// <summary>The codebase's analyzer options as a global analyzer config in the cache, or null when it has none.</summary>
    private string? WriteOptions(Codebase codebase)
    {
        if (codebase.Options.Count == 0)
        {
            return null;
        }

        string folder = Path.Combine(Cache, "options");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, codebase.Name + ".globalconfig");
        File.WriteAllLines(path, new[] { "is_global = true" }.Concat(codebase.Options.Select(o => $"{o.Key} = {o.Value}")));
        return path;
    }

    private string? FindMirror(Codebase codebase)
    {
        if (Mirrors is not { Length: > 0 })
        {
            return null;
        }

        string folder = Path.Combine(Mirrors, codebase.Repository.Replace('/', '+'));
        return Directory.Exists(Path.Combine(folder, "repo")) ? Path.Combine(folder, "repo") : Directory.Exists(folder) ? folder : null;
    }

    private static Task<Processes.Result> Git(string directory, params string[] arguments) =>
        Processes.RunAsync("git", arguments, directory, GitLimit);

    private static async Task<string> GitAsync(string directory, params string[] arguments)
    {
        var result = await Git(directory, arguments);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} in {directory} failed with exit code {result.ExitCode}:\n{result.Output}");
        }

        return result.Output;
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    private static string Metadata(string key) =>
        typeof(Suite).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} is missing");
}
