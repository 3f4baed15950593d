using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SessionGuard;
using SessionGuard.Tests.Generated;

namespace SessionGuard.Tests.Runtime;

/// <summary>
/// An owner the container creates joins the registry whichever way and in whichever order it was registered;
/// registrations that cannot work, and bad options, fail when the host starts.
/// </summary>
public class OwnerDiscoveryTests
{
    public interface ITextStore
    {
    }

    private sealed class StoreOwner : ITextStore, ISessionScoped
    {
        public System.Collections.Concurrent.ConcurrentDictionary<SessionId, string> Text { get; } = new();

        public int MemberCount => 1;

        public string GetMemberName(int index) => nameof(Text);

        public int GetLiveEntryCount(int index) => Text.Count;

        public ValueTask<int> ReleaseSessionAsync(SessionId session) => new(Text.TryRemove(session, out _) ? 1 : 0);
    }

    private static async Task<IHost> StartHostAsync(Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        configure(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task StopAsync(IHost host)
    {
        await host.StopAsync();
        if (host is IAsyncDisposable asyncHost)
        {
            await asyncHost.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }
    }

    [Theory]
    [InlineData("owner before AddSessionGuard")]
    [InlineData("owner after AddSessionGuard")]
    public async Task An_owner_registered_only_as_itself_is_released_and_seen_by_the_residual_check(string order)
    {
        var host = await StartHostAsync(services =>
        {
            if (order == "owner before AddSessionGuard")
            {
                services.AddSingleton<MapOwner>();
                services.AddSessionGuard(o => o.SweepInterval = Timeout.InfiniteTimeSpan);
            }
            else
            {
                services.AddSessionGuard(o => o.SweepInterval = Timeout.InfiniteTimeSpan);
                services.AddSingleton<MapOwner>();
            }
        });

        var registry = host.Services.GetRequiredService<SessionRegistry>();
        var owner = host.Services.GetRequiredService<MapOwner>();
        var session = registry.Open(SessionId.Parse("caller-1"));
        owner.LastText[session.Id] = "hello";
        var report = (await session.EndAsync())!;
        Assert.Equal(1, report.EntriesRemoved);
        Assert.Empty(owner.LastText);

        // An entry written for an id that was never opened: the owner is known, so the check is not clean.
        owner.LastText[SessionId.Parse("never-opened")] = "late";
        var residuals = registry.CheckResiduals();
        Assert.False(residuals.IsClean, residuals.ToString());
        Assert.Equal(new ResidualEntry(nameof(MapOwner), nameof(MapOwner.LastText), 1), Assert.Single(residuals.Entries));
        await StopAsync(host);
    }

    [Fact]
    public async Task An_owner_registered_under_another_service_type_or_a_key_is_released()
    {
        var host = await StartHostAsync(services =>
        {
            services.AddSingleton<ITextStore, StoreOwner>();
            services.AddKeyedSingleton<MapOwner>("keyed");
            services.AddSingleton(new GuardlessOwner());
            services.AddSessionGuard(o => o.SweepInterval = Timeout.InfiniteTimeSpan);
        });

        var registry = host.Services.GetRequiredService<SessionRegistry>();
        var store = (StoreOwner)host.Services.GetRequiredService<ITextStore>();
        var keyed = host.Services.GetRequiredKeyedService<MapOwner>("keyed");
        var instance = host.Services.GetRequiredService<GuardlessOwner>();
        var session = registry.Open(SessionId.New());
        store.Text[session.Id] = "a";
        keyed.LastText[session.Id] = "b";
        instance.Values[session.Id] = 1;

        var report = (await session.EndAsync())!;
        Assert.Equal(3, report.EntriesRemoved);
        Assert.True(registry.CheckResiduals().IsClean);
        await StopAsync(host);
    }

    [Fact]
    public async Task An_owner_registered_as_itself_and_forwarded_is_registered_once()
    {
        var host = await StartHostAsync(services =>
        {
            services.AddSingleton<MapOwner>();
            services.AddSingleton<ISessionScoped>(sp => sp.GetRequiredService<MapOwner>());
            services.AddSessionGuard(o => o.SweepInterval = Timeout.InfiniteTimeSpan);
        });

        var registry = host.Services.GetRequiredService<SessionRegistry>();
        var owner = host.Services.GetRequiredService<MapOwner>();
        var session = registry.Open(SessionId.New());
        owner.LastText[session.Id] = "a";
        Assert.Equal(1, (await session.EndAsync())!.EntriesRemoved);

        // Registered twice, the check would list the member twice.
        owner.LastText[SessionId.Parse("never-opened")] = "late";
        Assert.Single(registry.CheckResiduals().Entries);
        await StopAsync(host);
    }

    [Theory]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Transient)]
    public async Task An_owner_that_is_not_a_singleton_fails_the_host_start_naming_the_type_and_the_fix(ServiceLifetime lifetime)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSessionGuard();
        builder.Services.Add(new ServiceDescriptor(typeof(MapOwner), typeof(MapOwner), lifetime));
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        string failure = Assert.Single(ex.Failures);
        Assert.Contains(typeof(MapOwner).FullName!, failure, StringComparison.Ordinal);
        Assert.Contains("registered as " + lifetime, failure, StringComparison.Ordinal);
        Assert.Contains("services.AddSingleton<MapOwner>()", failure, StringComparison.Ordinal);

        // Built without a host, the registry refuses the same registration.
        var direct = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<SessionRegistry>());
        Assert.Contains(typeof(MapOwner).FullName!, direct.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_are_validated_when_the_host_starts_not_on_the_first_connection()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSessionGuard(o => o.IdleTimeout = TimeSpan.FromSeconds(-1));
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("IdleTimeout", Assert.Single(ex.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_with_valid_options_and_owners_starts()
    {
        var host = await StartHostAsync(services =>
        {
            services.AddSessionGuard(o => o.MaxSessions = 3);
            services.AddSessionGuard(o => o.SweepInterval = Timeout.InfiniteTimeSpan);
            services.AddSingleton<MapOwner>();
        });

        var registry = host.Services.GetRequiredService<SessionRegistry>();
        Assert.Equal(3, registry.Options.MaxSessions);
        Assert.Equal(Timeout.InfiniteTimeSpan, registry.Options.SweepInterval);
        await StopAsync(host);
    }

    [Fact]
    public void The_generated_helper_forwards_an_owner_already_registered_as_itself_and_adds_nothing_when_called_twice()
    {
        var services = new ServiceCollection();
        services.AddSingleton<DedupStage>();
        services.AddSessionScopedOwners_SessionGuard_Tests();
        int count = services.Count;
        services.AddSessionScopedOwners_SessionGuard_Tests();
        Assert.Equal(count, services.Count);
        Assert.Single(services, d => d.ServiceType == typeof(DedupStage));

        using var provider = services.BuildServiceProvider();
        var dedup = provider.GetRequiredService<DedupStage>();
        var owners = provider.GetServices<ISessionScoped>().ToList();
        Assert.Single(owners, o => ReferenceEquals(o, dedup));
        Assert.Single(owners, o => o is ShapesOwner);
    }

    [Fact]
    public async Task Registering_by_hand_an_owner_the_container_registered_says_why_it_fails()
    {
        var host = await StartHostAsync(services =>
        {
            services.AddSingleton<MapOwner>();
            services.AddSessionGuard(o => o.SweepInterval = Timeout.InfiniteTimeSpan);
        });

        var registry = host.Services.GetRequiredService<SessionRegistry>();
        var owner = host.Services.GetRequiredService<MapOwner>();
        await registry.Open(SessionId.New()).EndAsync(); // the first session made the registry take the container's owners
        var ex = Assert.Throws<InvalidOperationException>(() => registry.Register(owner));
        Assert.Contains("do not also Register it by hand", ex.Message, StringComparison.Ordinal);
        await StopAsync(host);
    }

    /// <summary>An owner given to the container as an instance.</summary>
    private sealed class GuardlessOwner : ISessionScoped
    {
        public System.Collections.Concurrent.ConcurrentDictionary<SessionId, int> Values { get; } = new();

        public int MemberCount => 1;

        public string GetMemberName(int index) => nameof(Values);

        public int GetLiveEntryCount(int index) => Values.Count;

        public ValueTask<int> ReleaseSessionAsync(SessionId session) => new(Values.TryRemove(session, out _) ? 1 : 0);
    }
}
