using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

/// <summary>Bad input gets a specific exception naming the option, with a message that is safe to log.</summary>
public class BadInputMessageTests
{
    private static SessionRegistryOptions NoSweep(string? tempRoot = null) =>
        new() { SweepInterval = Timeout.InfiniteTimeSpan, TempRoot = tempRoot };

    private static string NewFolderPath() => Path.Combine(Path.GetTempPath(), "sg-badinput-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void An_infinite_timeout_where_none_is_allowed_says_so_instead_of_printing_minus_one_millisecond()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { TaskDrainTimeout = Timeout.InfiniteTimeSpan }));
        Assert.Equal("TaskDrainTimeout", ex.ParamName);
        Assert.Contains("Timeout.InfiniteTimeSpan is not allowed", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("-00:00:00.001", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_TempRoot_that_is_a_file_is_rejected_when_the_registry_is_built_naming_TempRoot()
    {
        string file = Path.GetTempFileName();
        try
        {
            var ex = Assert.Throws<ArgumentException>(() => new SessionRegistry(NoSweep(file)));
            Assert.Equal("TempRoot", ex.ParamName);
            Assert.Contains("is a file", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_TempRoot_below_a_file_is_rejected_when_the_registry_is_built_naming_TempRoot()
    {
        string file = Path.GetTempFileName();
        try
        {
            var ex = Assert.Throws<ArgumentException>(() => new SessionRegistry(NoSweep(Path.Combine(file, "sub"))));
            Assert.Equal("TempRoot", ex.ParamName);
            Assert.Contains("cannot be used as a folder", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_TempRoot_with_an_invalid_path_character_is_rejected_naming_TempRoot_without_echoing_the_character()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SessionRegistry(NoSweep("/tmp/a\0b")));
        Assert.Equal("TempRoot", ex.ParamName);
        Assert.DoesNotContain('\0', ex.Message);
        Assert.Contains("U+0000 at index 6", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_TempRoot_that_does_not_exist_is_created_when_the_registry_is_built()
    {
        string root = NewFolderPath();
        try
        {
            await using var registry = new SessionRegistry(NoSweep(root));
            Assert.True(Directory.Exists(root));
            var session = registry.Open(SessionId.New());
            string path = session.CreateTempFile(".wav");
            Assert.StartsWith(Path.GetFullPath(root), Path.GetFullPath(path), StringComparison.Ordinal);
            await session.EndAsync();
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_relative_TempRoot_is_resolved_to_a_full_path_when_the_registry_is_built()
    {
        // A relative path kept as it is would name another file once the process changes its current directory,
        // and the session's teardown would then fail to delete what it created.
        string relative = "sg-relative-" + Guid.NewGuid().ToString("N");
        string full = Path.GetFullPath(relative);
        try
        {
            await using var registry = new SessionRegistry(NoSweep(relative));
            var session = registry.Open(SessionId.New());
            string path = session.CreateTempFile(".wav");
            Assert.True(Path.IsPathFullyQualified(path), path);
            Assert.StartsWith(full + Path.DirectorySeparatorChar, path, StringComparison.Ordinal);
            await session.EndAsync();
            Assert.False(File.Exists(path));
        }
        finally
        {
            Directory.Delete(full, recursive: true);
        }
    }

    [Fact]
    public async Task Extension_errors_quote_the_input_escaped_and_cut()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var session = registry.Open(SessionId.New());

        var nul = Assert.Throws<ArgumentException>(() => session.CreateTempFile(".w\0v"));
        Assert.Equal("extension", nul.ParamName);
        Assert.DoesNotContain('\0', nul.Message);
        Assert.Contains(@"'.w\u0000v'", nul.Message, StringComparison.Ordinal);

        string longInput = "." + new string('x', 300);
        var tooLong = Assert.Throws<ArgumentException>(() => session.CreateTempFile(longInput));
        Assert.DoesNotContain(new string('x', 100), tooLong.Message, StringComparison.Ordinal);
        Assert.Contains("(301 characters)", tooLong.Message, StringComparison.Ordinal);
        Assert.True(tooLong.Message.Length < 250, tooLong.Message);

        var rtl = Assert.Throws<ArgumentException>(() => session.CreateTempFile(".a\u202Eb"));
        Assert.DoesNotContain('\u202E', rtl.Message);
        await session.EndAsync();
    }

    [Fact]
    public async Task Register_after_disposal_throws_ObjectDisposedException()
    {
        var registry = new SessionRegistry(NoSweep());
        await registry.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => registry.Register(new MapOwner()));
        Assert.Throws<ArgumentNullException>(() => registry.Register(null!));
    }

    [Fact]
    public async Task Owners_from_the_container_still_join_a_registry_disposed_before_its_first_session_so_the_residual_check_sees_them()
    {
        var services = new ServiceCollection();
        services.AddSingleton<MapOwner>();
        services.AddSessionGuard(o => o.SweepInterval = Timeout.InfiniteTimeSpan);
        await using var provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<SessionRegistry>();
        var owner = provider.GetRequiredService<MapOwner>();
        await registry.DisposeAsync();

        owner.LastText[SessionId.Parse("left-over")] = "x";
        var residuals = registry.CheckResiduals();
        Assert.Equal(new ResidualEntry(nameof(MapOwner), nameof(MapOwner.LastText), 1), Assert.Single(residuals.Entries));
    }
}
