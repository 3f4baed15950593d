using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;

namespace SessionGuard.Package.Tests;

[Collection(PackageCollection.Name)]
public class PackageTests
{
    private readonly PackageFixture _fixture;

    public PackageTests(PackageFixture fixture) => _fixture = fixture;

    [Fact]
    public void The_package_holds_the_runtime_for_both_targets_and_the_analyzers_without_Roslyn()
    {
        using var zip = ZipFile.OpenRead(_fixture.PackagePath);
        var entries = zip.Entries.Select(e => e.FullName.Replace('\\', '/')).ToList();
        Assert.Contains("lib/net8.0/SessionGuard.dll", entries);
        Assert.Contains("lib/net8.0/SessionGuard.xml", entries);
        Assert.Contains("lib/net10.0/SessionGuard.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/SessionGuard.Generators.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/SessionGuard.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/SessionGuard.CodeFixes.dll", entries);
        Assert.DoesNotContain(entries, e => e.Contains("Microsoft.CodeAnalysis", System.StringComparison.OrdinalIgnoreCase));
        Assert.Equal(3, entries.Count(e => e.StartsWith("analyzers/", System.StringComparison.Ordinal) && e.EndsWith(".dll", System.StringComparison.Ordinal)));
        Assert.True(File.Exists(Path.ChangeExtension(_fixture.PackagePath, ".snupkg")), "no symbol package");
    }

    [Fact]
    public void The_nuspec_has_the_metadata_users_see_and_no_Roslyn_dependency()
    {
        using var zip = ZipFile.OpenRead(_fixture.PackagePath);
        var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", System.StringComparison.Ordinal));
        using var stream = nuspecEntry.Open();
        var nuspec = XDocument.Load(stream);
        XNamespace ns = nuspec.Root!.GetDefaultNamespace();
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("SessionGuard", metadata.Element(ns + "id")!.Value);
        Assert.Equal(_fixture.Version, metadata.Element(ns + "version")!.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.Equal("expression", metadata.Element(ns + "license")!.Attribute("type")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.Contains("leak", metadata.Element(ns + "tags")!.Value);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "releaseNotes")?.Value));
        Assert.StartsWith("https://", metadata.Element(ns + "repository")!.Attribute("url")!.Value);
        Assert.Contains(zip.Entries, e => e.FullName == "README.md");
        var groups = metadata.Element(ns + "dependencies")!.Elements(ns + "group").ToList();
        Assert.Equal(new[] { "net10.0", "net8.0" }, groups.Select(g => g.Attribute("targetFramework")!.Value).OrderByDescending(x => x.Length).ThenBy(x => x));
        var dependencies = groups.SelectMany(g => g.Elements(ns + "dependency")).Select(d => d.Attribute("id")!.Value).Distinct().ToList();
        // The runtime's own dependencies only (System.IO.Pipelines is in the shared framework from .NET 9 on, a package before).
        Assert.All(dependencies, id => Assert.True(id.StartsWith("Microsoft.Extensions.", System.StringComparison.Ordinal) || id == "System.IO.Pipelines", id));
        Assert.DoesNotContain(dependencies, id => id.StartsWith("Microsoft.CodeAnalysis", System.StringComparison.Ordinal));
        var net10 = groups.Single(g => g.Attribute("targetFramework")!.Value == "net10.0").Elements(ns + "dependency").Select(d => d.Attribute("id")!.Value);
        Assert.DoesNotContain("System.IO.Pipelines", net10);
    }

    [Theory]
    [InlineData("net10.0")]
    [InlineData("net8.0")]
    public void A_consumer_builds_with_the_package_alone(string tfm)
    {
        var run = _fixture.Runs[tfm];
        Assert.True(run.Build.ExitCode == 0, run.Build.Output);
        Assert.DoesNotContain(run.Diagnostics, d => d.Severity == "error");
    }

    [Theory]
    [InlineData("net10.0")]
    [InlineData("net8.0")]
    public void The_consumer_build_reports_the_fire_and_forget_and_the_leaky_map(string tfm)
    {
        var run = _fixture.Runs[tfm];
        Assert.Contains(new BuildDiagnostic("SG1001", _fixture.LineOf("// FIRE-AND-FORGET"), "warning"), run.Diagnostics);
        Assert.Contains(new BuildDiagnostic("SG2001", _fixture.LineOf("// LEAKY-MAP"), "warning"), run.Diagnostics);
        Assert.DoesNotContain(run.Diagnostics, d => d.Id.StartsWith("SG", System.StringComparison.Ordinal) && d.Line == _fixture.LineOf("[SessionScoped]"));
    }

    [Theory]
    [InlineData("net10.0")]
    [InlineData("net8.0")]
    public void The_generated_release_really_empties_the_collection_when_sessions_end(string tfm)
    {
        var run = _fixture.Runs[tfm];
        Assert.NotNull(run.Run);
        Assert.True(run.Run!.ExitCode == 0, run.Run.Output);
        Assert.Contains("after end: 1 entries, removed 1, residual clean before last end: False", run.Run.Output);
        Assert.Contains("after all ended: 0 entries, residual clean: True", run.Run.Output);
        Assert.Contains(run.Generated.Values, source => source.Contains("DedupStage") && source.Contains("ReleaseSessionAsync"));
    }

    [Fact]
    public void A_net8_host_that_pins_Microsoft_Extensions_8_0_restores_without_a_downgrade_and_runs()
    {
        var run = _fixture.Runs[PackageFixture.PinnedNet8];
        Assert.DoesNotContain("NU1605", run.Build.Output, System.StringComparison.Ordinal);
        Assert.True(run.Build.ExitCode == 0, run.Build.Output);
        foreach (var package in new[] { "Microsoft.Extensions.Logging.Abstractions", "Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Options" })
        {
            Assert.Equal(PackageFixture.PinnedExtensionsVersion, PackageFixture.ResolvedVersion(run, package));
        }

        Assert.NotNull(run.Run);
        Assert.True(run.Run!.ExitCode == 0, run.Run.Output);
        Assert.Contains("pinned host: removed 1, residual clean: True", run.Run.Output, System.StringComparison.Ordinal);
    }

    [Fact]
    public void The_net8_asset_depends_on_Microsoft_Extensions_8_0_and_the_net10_asset_on_10_0()
    {
        var nuspec = System.Xml.Linq.XDocument.Load(System.IO.Directory.GetFiles(_fixture.Extracted, "*.nuspec").Single());
        var ns = nuspec.Root!.GetDefaultNamespace();
        var groups = nuspec.Descendants(ns + "group").ToDictionary(g => g.Attribute("targetFramework")!.Value, g => g.Elements(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value));
        foreach (var package in new[] { "Microsoft.Extensions.Logging.Abstractions", "Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Options" })
        {
            Assert.StartsWith("8.0.", groups["net8.0"][package], System.StringComparison.Ordinal);
            Assert.StartsWith("10.0.", groups["net10.0"][package], System.StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("net10.0")]
    [InlineData("net8.0")]
    public void A_web_app_with_only_the_AspNetCore_package_serves_a_WebSocket_session_and_leaves_nothing(string tfm)
    {
        var run = _fixture.Runs[PackageFixture.WebHost + tfm];
        Assert.True(run.Build.ExitCode == 0, run.Build.Output);
        Assert.Equal(_fixture.Version, PackageFixture.ResolvedVersion(run, "SessionGuard"));
        Assert.NotNull(run.Run);
        Assert.True(run.Run!.ExitCode == 0, run.Run.Output);
        Assert.Contains("reply: echo:hello", run.Run.Output, System.StringComparison.Ordinal);
        Assert.Contains("entries while connected: 1", run.Run.Output, System.StringComparison.Ordinal);
        Assert.Contains("web host: ended as Closed, active 0, entries 0, residual clean: True", run.Run.Output, System.StringComparison.Ordinal);

        // SessionGuard's generator reached the app through the AspNetCore package's dependency.
        Assert.Contains(run.Generated.Values, source => source.Contains("Transcripts") && source.Contains("ReleaseSessionAsync"));
    }

    [Fact]
    public void The_AspNetCore_package_depends_on_SessionGuard_of_the_same_version_and_carries_its_docs()
    {
        using var zip = ZipFile.OpenRead(_fixture.AspNetCorePackagePath);
        var entries = zip.Entries.Select(e => e.FullName.Replace('\\', '/')).ToList();
        Assert.Contains("lib/net8.0/SessionGuard.AspNetCore.dll", entries);
        Assert.Contains("lib/net10.0/SessionGuard.AspNetCore.dll", entries);
        Assert.Contains("lib/net10.0/SessionGuard.AspNetCore.xml", entries);
        Assert.Contains("README.md", entries);
        Assert.DoesNotContain(entries, e => e.EndsWith("SessionGuard.dll", System.StringComparison.Ordinal));
        var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", System.StringComparison.Ordinal));
        using var stream = nuspecEntry.Open();
        var nuspec = XDocument.Load(stream);
        XNamespace ns = nuspec.Root!.GetDefaultNamespace();
        var dependencies = nuspec.Descendants(ns + "dependency").Where(d => d.Attribute("id")!.Value == "SessionGuard").ToList();
        Assert.Equal(2, dependencies.Count);
        Assert.All(dependencies, d => Assert.Equal(_fixture.Version, d.Attribute("version")!.Value));
        Assert.All(dependencies, d => Assert.Null(d.Attribute("exclude")));
    }

    [Fact]
    public void The_Redis_package_depends_on_SessionGuard_of_the_same_version_and_StackExchange_Redis_and_carries_its_docs()
    {
        using var zip = ZipFile.OpenRead(_fixture.RedisPackagePath);
        var entries = zip.Entries.Select(e => e.FullName.Replace('\\', '/')).ToList();
        Assert.Contains("lib/net8.0/SessionGuard.Redis.dll", entries);
        Assert.Contains("lib/net10.0/SessionGuard.Redis.dll", entries);
        Assert.Contains("lib/net10.0/SessionGuard.Redis.xml", entries);
        Assert.Contains("README.md", entries);
        Assert.DoesNotContain(entries, e => e.EndsWith("/SessionGuard.dll", System.StringComparison.Ordinal));
        Assert.True(File.Exists(Path.ChangeExtension(_fixture.RedisPackagePath, ".snupkg")), "no symbol package");
        var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", System.StringComparison.Ordinal));
        using var stream = nuspecEntry.Open();
        var nuspec = XDocument.Load(stream);
        XNamespace ns = nuspec.Root!.GetDefaultNamespace();
        var groups = nuspec.Descendants(ns + "group").ToList();
        Assert.Equal(new[] { "net10.0", "net8.0" }, groups.Select(g => g.Attribute("targetFramework")!.Value).OrderByDescending(x => x.Length).ThenBy(x => x));
        foreach (var group in groups)
        {
            var ids = group.Elements(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value);
            Assert.Equal(_fixture.Version, ids["SessionGuard"]);
            Assert.StartsWith("3.4.", ids["StackExchange.Redis"], System.StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_packable_project_under_src_is_packed_by_the_fixture()
    {
        var packable = Directory.GetFiles(Path.Combine(_fixture.RepoRoot, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => File.ReadAllText(p).Contains("<IsPackable>true</IsPackable>", System.StringComparison.Ordinal))
            .Select(Path.GetFileNameWithoutExtension)
            .Order(System.StringComparer.Ordinal)
            .ToList();
        Assert.Equal(new[] { "SessionGuard", "SessionGuard.AspNetCore", "SessionGuard.Redis" }, packable);
        Assert.All(packable, id => Assert.True(File.Exists(Path.Combine(_fixture.Feed, $"{id}.{_fixture.Version}.nupkg")), id + " is not packed"));
    }
}
