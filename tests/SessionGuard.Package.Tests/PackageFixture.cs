using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace SessionGuard.Package.Tests;

/// <summary>
/// Packs SessionGuard, SessionGuard.AspNetCore and SessionGuard.Redis into a fresh folder feed once, then builds and runs throwaway consumers,
/// outside the solution, that reference only the packages by version, on net10.0 and on net8.0.
/// </summary>
public sealed class PackageFixture : IAsyncLifetime
{
    public string RepoRoot { get; } = FindRepoRoot();

    public string Work { get; } = Path.Combine(Path.GetTempPath(), "sessionguard-package-" + Guid.NewGuid().ToString("N")[..12]);

    public string Feed => Path.Combine(Work, "feed");

    public string Version { get; private set; } = "";

    public string PackagePath => Path.Combine(Feed, $"SessionGuard.{Version}.nupkg");

    public string Extracted => Path.Combine(Work, "extracted");

    public string ConsumerSource { get; private set; } = "";

    public Dictionary<string, ConsumerRun> Runs { get; } = new();

    /// <summary>The key in <see cref="Runs"/> of the net8.0 app that pins Microsoft.Extensions.* 8.0.0.</summary>
    public const string PinnedNet8 = "net8.0-pinned";

    public const string PinnedExtensionsVersion = "8.0.0";

    /// <summary>The key prefix in <see cref="Runs"/> of the web apps that use SessionGuard.AspNetCore (then the target).</summary>
    public const string WebHost = "web-";

    public string AspNetCorePackagePath => Path.Combine(Feed, $"SessionGuard.AspNetCore.{Version}.nupkg");

    public string RedisPackagePath => Path.Combine(Feed, $"SessionGuard.Redis.{Version}.nupkg");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        Version = ReadVersion(RepoRoot);
        string project = Path.Combine(RepoRoot, "src", "SessionGuard", "SessionGuard.csproj");

        // The solution build (the README's test command) has built Release outputs: pack them as they are.
        var pack = await DotNet.RunAsync($"pack \"{project}\" -c Release --no-build -o \"{Feed}\"", RepoRoot);
        if (pack.ExitCode != 0 || !File.Exists(PackagePath))
        {
            pack = await DotNet.RunAsync($"pack \"{project}\" -c Release -o \"{Feed}\"", RepoRoot);
        }

        pack.EnsureSuccess("dotnet pack");
        string web = Path.Combine(RepoRoot, "src", "SessionGuard.AspNetCore", "SessionGuard.AspNetCore.csproj");
        var packWeb = await DotNet.RunAsync($"pack \"{web}\" -c Release --no-build -o \"{Feed}\"", RepoRoot);
        if (packWeb.ExitCode != 0 || !File.Exists(AspNetCorePackagePath))
        {
            packWeb = await DotNet.RunAsync($"pack \"{web}\" -c Release -o \"{Feed}\"", RepoRoot);
        }

        packWeb.EnsureSuccess("dotnet pack SessionGuard.AspNetCore");
        string redis = Path.Combine(RepoRoot, "src", "SessionGuard.Redis", "SessionGuard.Redis.csproj");
        var packRedis = await DotNet.RunAsync($"pack \"{redis}\" -c Release --no-build -o \"{Feed}\"", RepoRoot);
        if (packRedis.ExitCode != 0 || !File.Exists(RedisPackagePath))
        {
            packRedis = await DotNet.RunAsync($"pack \"{redis}\" -c Release -o \"{Feed}\"", RepoRoot);
        }

        packRedis.EnsureSuccess("dotnet pack SessionGuard.Redis");
        ZipFile.ExtractToDirectory(PackagePath, Extracted);
        ConsumerSource = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Consumer", "Program.cs.txt"));

        foreach (var tfm in new[] { "net10.0", "net8.0" })
        {
            Runs[tfm] = await BuildAndRunConsumer(tfm, tfm, ConsumerSource, extraReferences: "");
        }

        // A .NET 8 app that pins Microsoft.Extensions.* to 8.0.0 (the generic host and the packages SessionGuard uses):
        // it must restore without NU1605 (a package downgrade) and run AddSessionGuard on those versions.
        Runs[PinnedNet8] = await BuildAndRunConsumer(PinnedNet8, "net8.0", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Consumer", "PinnedHost.cs.txt")), $"""
            <PackageReference Include="Microsoft.Extensions.Hosting" Version="{PinnedExtensionsVersion}" />
                <PackageReference Include="Microsoft.Extensions.Logging.Abstractions" Version="{PinnedExtensionsVersion}" />
                <PackageReference Include="Microsoft.Extensions.DependencyInjection.Abstractions" Version="{PinnedExtensionsVersion}" />
                <PackageReference Include="Microsoft.Extensions.Options" Version="{PinnedExtensionsVersion}" />
            """);

        // A web app on real Kestrel that references only SessionGuard.AspNetCore: SessionGuard, its generator and
        // analyzers must come with it.
        string webSource = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Consumer", "WebHost.cs.txt"));
        foreach (var tfm in new[] { "net10.0", "net8.0" })
        {
            Runs[WebHost + tfm] = await BuildAndRunConsumer(WebHost + tfm, tfm, webSource, extraReferences: "", package: "SessionGuard.AspNetCore", sdk: "Microsoft.NET.Sdk.Web");
        }
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    /// <summary>The line (1-based) of the consumer source that holds <paramref name="marker"/>.</summary>
    public int LineOf(string marker) =>
        ConsumerSource.Split('\n').Select((line, i) => (line, i)).Single(x => x.line.Contains(marker)).i + 1;

    private async Task<ConsumerRun> BuildAndRunConsumer(string name, string tfm, string source, string extraReferences, string package = "SessionGuard", string sdk = "Microsoft.NET.Sdk")
    {
        string dir = Path.Combine(Work, "consumer-" + name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), source);
        File.WriteAllText(Path.Combine(dir, "Consumer.csproj"), $"""
            <Project Sdk="{sdk}">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>{tfm}</TargetFramework>
                <Nullable>enable</Nullable>
                <!-- Run with `dotnet Consumer.dll`: no apphost pack to restore. -->
                <UseAppHost>false</UseAppHost>
                <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                <CompilerGeneratedFilesOutputPath>generated</CompilerGeneratedFilesOutputPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{package}" Version="{Version}" />
                {extraReferences}
              </ItemGroup>
            </Project>
            """);

        // Its own packages folder; SessionGuard can come only from the fresh feed. Everything else comes from this
        // machine's package cache (read as a local feed), or NuGet when the cache lacks it.
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(dir, "packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="fresh" value="{Feed}" />
                <add key="cache" value="{cache}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="fresh"><package pattern="SessionGuard" /><package pattern="SessionGuard.*" /></packageSource>
                <packageSource key="cache"><package pattern="*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);

        var build = await DotNet.RunAsync("build -c Release", dir);
        DotNet.Result? run = null;
        if (build.ExitCode == 0)
        {
            // No 8.0 runtime here: roll forward to the installed one, as a user on a newer machine would.
            run = await DotNet.RunAsync($"bin/Release/{tfm}/Consumer.dll", dir, new Dictionary<string, string> { ["DOTNET_ROLL_FORWARD"] = "Major" });
        }

        var generated = Directory.Exists(Path.Combine(dir, "generated"))
            ? Directory.GetFiles(Path.Combine(dir, "generated"), "*.cs", SearchOption.AllDirectories).ToDictionary(p => Path.GetFileName(p), File.ReadAllText)
            : new Dictionary<string, string>();
        return new ConsumerRun(tfm, dir, build, run, ParseDiagnostics(build.Output), generated);
    }

    /// <summary>The version of <paramref name="package"/> the consumer's restore resolved, from its assets file.</summary>
    public static string? ResolvedVersion(ConsumerRun run, string package)
    {
        string assets = Path.Combine(run.Directory, "obj", "project.assets.json");
        if (!File.Exists(assets))
        {
            return null;
        }

        var m = Regex.Match(File.ReadAllText(assets), "\"" + Regex.Escape(package) + "/([^\"]+)\": \\{", RegexOptions.IgnoreCase);
        return m.Success ? m.Groups[1].Value : null;
    }

    private static List<BuildDiagnostic> ParseDiagnostics(string output)
    {
        var found = new HashSet<BuildDiagnostic>();
        foreach (Match m in Regex.Matches(output, @"Program\.cs\((\d+),(\d+)\): (warning|error|info) ([A-Z]+\d+):"))
        {
            found.Add(new BuildDiagnostic(m.Groups[4].Value, int.Parse(m.Groups[1].Value), m.Groups[3].Value));
        }

        return found.OrderBy(d => d.Line).ThenBy(d => d.Id).ToList();
    }

    private static string ReadVersion(string root)
    {
        var m = Regex.Match(File.ReadAllText(Path.Combine(root, "Directory.Build.props")), @"<VersionPrefix>([^<]+)</VersionPrefix>");
        return m.Success ? m.Groups[1].Value : throw new InvalidOperationException("no VersionPrefix in Directory.Build.props");
    }

    private static string FindRepoRoot()
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

public sealed record BuildDiagnostic(string Id, int Line, string Severity);

public sealed record ConsumerRun(string Tfm, string Directory, DotNet.Result Build, DotNet.Result? Run, List<BuildDiagnostic> Diagnostics, Dictionary<string, string> Generated);

[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "package";
}
