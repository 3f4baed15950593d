using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using SessionGuard;
using static SessionGuard.Tests.Runtime.TestRegistries;

namespace SessionGuard.Tests.Runtime;

/// <summary>The registry as a whole: bad input, its options, owners, the residual check, reports, and what an ended session leaves reachable.</summary>
public class SessionRegistryTests
{
    [Fact]
    public async Task Bad_input_gets_specific_exceptions()
    {
        Assert.Equal("MaxSessions", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { MaxSessions = 0 })).ParamName);
        Assert.Equal("IdleTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { IdleTimeout = TimeSpan.Zero })).ParamName);
        Assert.Equal("SweepInterval", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { SweepInterval = TimeSpan.FromSeconds(-5) })).ParamName);
        Assert.Equal("TaskDrainTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { TaskDrainTimeout = Timeout.InfiniteTimeSpan })).ParamName);
        Assert.Equal("DisposeTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { DisposeTimeout = TimeSpan.Zero })).ParamName);
        Assert.Equal("OwnerReleaseTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { OwnerReleaseTimeout = TimeSpan.MaxValue })).ParamName);
        Assert.Equal("OverflowPolicy", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { OverflowPolicy = (SessionOverflowPolicy)7 })).ParamName);
        Assert.Equal("TempRoot", Assert.Throws<ArgumentOutOfRangeException>(() => new SessionRegistry(new SessionRegistryOptions { TempRoot = "  " })).ParamName);

        await using var registry = new SessionRegistry(NoSweep());
        Assert.Equal("id", Assert.Throws<ArgumentException>(() => registry.Open(default)).ParamName);
        Assert.Equal("id", Assert.Throws<ArgumentException>(() => registry.GetOrOpen(default)).ParamName);
        Assert.Throws<ArgumentException>(() => { _ = registry.EndAsync(default); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = registry.EndAsync(SessionId.New(), (SessionEndReason)42); });
        Assert.False(registry.TryGet(default, out _));
        Assert.False(registry.IsActive(default));
        Assert.Throws<ArgumentNullException>(() => registry.Register(null!));
        var owner = new MapOwner();
        using (registry.Register(owner))
        {
            Assert.Throws<InvalidOperationException>(() => registry.Register(owner));
        }

        using var again = registry.Register(owner); // left, so it may join again
    }

    [Fact]
    public async Task Options_are_copied_so_later_changes_do_not_apply()
    {
        var options = NoSweep(o => o.MaxSessions = 1);
        await using var registry = new SessionRegistry(options);
        options.MaxSessions = 0;
        Assert.Equal(1, registry.Options.MaxSessions);
        registry.Open(SessionId.New());
    }

    [Fact]
    public async Task Unregistered_owners_are_no_longer_released()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var owner = new MapOwner();
        var registration = registry.Register(owner);
        var s = registry.Open(SessionId.New());
        owner.LastText[s.Id] = "kept";
        registration.Dispose();
        registration.Dispose();
        await s.EndAsync();
        Assert.True(owner.LastText.ContainsKey(s.Id));
        Assert.True(registry.CheckResiduals().IsClean);
    }

    [Fact]
    public async Task Residuals_found_when_the_last_session_ends_are_logged_naming_the_member()
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        await using var registry = new SessionRegistry(NoSweep(), loggerFactory: loggerFactory);
        var owner = new MapOwner();
        registry.Register(owner);
        var s = registry.Open(SessionId.Parse("s"));
        owner.Counters["not-a-session"] = 1; // written with a key no session will release

        await s.EndAsync();

        var warning = Assert.Single(logs.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains("MapOwner.Counters=1", warning.Message);
        var residuals = registry.CheckResiduals();
        Assert.False(residuals.IsClean);
        Assert.Equal(0, residuals.ActiveSessions);
    }

    [Fact]
    public async Task Hand_written_owner_without_context_support_reports_its_total_and_failures()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var owner = new TotalOnlyOwner();
        registry.Register(owner);
        var s = registry.Open(SessionId.New());
        owner.Map[s.Id] = 1;
        var report = (await s.EndAsync())!;
        Assert.Equal(new OwnerEntriesRemoved("TotalOnlyOwner", "*", 1), Assert.Single(report.EntriesRemovedByMember));

        owner.Behaviour = id => throw new SessionReleaseException(id, 3, new[] { new InvalidOperationException("value dispose failed") });
        var s2 = registry.Open(SessionId.New());
        report = (await s2.EndAsync())!;
        Assert.Equal(3, report.EntriesRemoved);
        var failure = Assert.Single(report.Failures);
        Assert.Equal(TeardownStage.ReleaseOwners, failure.Stage);
        Assert.Equal("TotalOnlyOwner.*", failure.Subject);
        Assert.Equal("value dispose failed", failure.Exception.Message);
    }

    [Fact]
    public async Task Report_ToString_names_what_happened()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var owner = new MapOwner();
        registry.Register(owner);
        var s = registry.Open(SessionId.Parse("printable"));
        owner.LastText[s.Id] = "x";
        s.Own(new Res("r", throws: true));
        var text = (await s.EndAsync())!.ToString();
        Assert.Contains("session printable ended (Closed)", text);
        Assert.Contains("MapOwner.LastText=1", text);
        Assert.Contains("failure: DisposeResources", text);
        Assert.Contains("boom from r", text);
    }

    [Fact]
    public async Task Ended_session_and_its_owned_objects_are_collectable()
    {
        await using var registry = new SessionRegistry(NoSweep());
        var (sessionRef, resourceRef) = await OpenUseAndEnd(registry);
        for (int i = 0; i < 5 && (sessionRef.IsAlive || resourceRef.IsAlive); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(10);
        }

        Assert.False(sessionRef.IsAlive, "the ended session is still reachable");
        Assert.False(resourceRef.IsAlive, "an owned resource of the ended session is still reachable");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<(WeakReference Session, WeakReference Resource)> OpenUseAndEnd(SessionRegistry registry)
    {
        var session = registry.Open(SessionId.New());
        var resource = session.Own(new Res("weak"));
        await session.Run(async ct => await Task.Yield(), "short");
        _ = session.Run(ct => Task.Delay(Timeout.Infinite, ct), "long");
        await session.EndAsync();
        return (new WeakReference(session), new WeakReference(resource));
    }
}
