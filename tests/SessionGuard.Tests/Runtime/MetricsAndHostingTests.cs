using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

public class MetricsAndHostingTests
{
    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Meters { get; } = new();

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            Meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Meters)
            {
                meter.Dispose();
            }
        }
    }

    [Fact]
    public async Task Metrics_count_sessions_tasks_failures_and_owner_entries()
    {
        using var meters = new TestMeterFactory();
        var time = new FakeTimeProvider();
        var registry = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan, TaskDrainTimeout = TimeSpan.FromSeconds(1) }, time, meterFactory: meters);
        var meter = Assert.Single(meters.Meters);
        Assert.Equal(SessionGuardMetrics.MeterName, meter.Name);
        using var active = new MetricCollector<long>(meter, SessionGuardMetrics.ActiveSessions);
        using var opened = new MetricCollector<long>(meter, SessionGuardMetrics.SessionsOpened);
        using var ended = new MetricCollector<long>(meter, SessionGuardMetrics.SessionsEnded);
        using var duration = new MetricCollector<double>(meter, SessionGuardMetrics.TeardownDuration);
        using var running = new MetricCollector<long>(meter, SessionGuardMetrics.TasksRunning);
        using var faulted = new MetricCollector<long>(meter, SessionGuardMetrics.TasksFaulted);
        using var undrained = new MetricCollector<long>(meter, SessionGuardMetrics.TasksUndrained);
        using var failures = new MetricCollector<long>(meter, SessionGuardMetrics.TeardownFailures);
        using var entries = new MetricCollector<long>(meter, SessionGuardMetrics.OwnerEntries);

        var owner = new MapOwner();
        registry.Register(owner);
        var a = registry.Open(SessionId.Parse("a"));
        var b = registry.Open(SessionId.Parse("b"));
        owner.LastText[a.Id] = "x";
        owner.LastText[b.Id] = "y";
        owner.Counters[a.Id.Value] = 1;

        entries.RecordObservableInstruments();
        var snapshot = entries.GetMeasurementSnapshot();
        Assert.Equal(2, snapshot.Single(m => (string)m.Tags["member"]! == "LastText").Value);
        Assert.Equal(1, snapshot.Single(m => (string)m.Tags["member"]! == "Counters").Value);
        Assert.All(snapshot, m => Assert.Equal("MapOwner", m.Tags["owner"]));

        var hang = new TaskCompletionSource();
        _ = a.Run(_ => hang.Task, "hung");
        _ = a.Run(_ => throw new InvalidOperationException("fault"), "faulty");
        Assert.Equal(1, running.GetMeasurementSnapshot().EvaluateAsCounter());
        a.Own(new Res("bad", throws: true));

        // The teardown runs on the thread pool: advance the clock until its drain wait (1 s) has timed out.
        var ending = a.EndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        while (!ending.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(ending, Task.Delay(10));
        }

        await ending;
        await b.EndAsync(SessionEndReason.IdleExpired);

        Assert.Equal(0, active.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(2, opened.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1, ended.GetMeasurementSnapshot().Single(m => (string)m.Tags["reason"]! == "closed").Value);
        Assert.Equal(1, ended.GetMeasurementSnapshot().Single(m => (string)m.Tags["reason"]! == "idle_expired").Value);
        Assert.Equal(2, duration.GetMeasurementSnapshot().Count);
        Assert.Equal(1, faulted.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1, undrained.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal("DisposeResources", Assert.Single(failures.GetMeasurementSnapshot()).Tags["stage"]);

        entries.Clear();
        entries.RecordObservableInstruments();
        var after = entries.GetMeasurementSnapshot();
        Assert.Equal(2, after.Count);
        Assert.All(after, m => Assert.Equal(0, m.Value));

        hang.SetResult();
        await registry.DisposeAsync();
    }

    [Fact]
    public async Task AddSessionGuard_registers_the_registry_with_options_and_every_owner_even_owners_that_need_the_registry()
    {
        var services = new ServiceCollection();
        services.AddSingleton<MapOwner>();
        services.AddSingleton<ISessionScoped>(sp => sp.GetRequiredService<MapOwner>());
        services.AddSingleton<GuardedOwner>();
        services.AddSingleton<ISessionScoped>(sp => sp.GetRequiredService<GuardedOwner>());
        services.AddSessionGuard(o =>
        {
            o.MaxSessions = 7;
            o.SweepInterval = Timeout.InfiniteTimeSpan;
        });

        SessionRegistry registry;
        GuardedOwner guarded;
        await using (var provider = services.BuildServiceProvider())
        {
            registry = provider.GetRequiredService<SessionRegistry>();
            Assert.Same(registry, provider.GetRequiredService<SessionRegistry>());
            Assert.Equal(7, registry.Options.MaxSessions);
            var owner = provider.GetRequiredService<MapOwner>();
            guarded = provider.GetRequiredService<GuardedOwner>();

            var s = registry.Open(SessionId.New());
            owner.LastText[s.Id] = "x";
            Assert.True(guarded.TryWrite(s.Id));
            var report = (await s.EndAsync())!;
            Assert.Equal(2, report.EntriesRemoved);
            Assert.False(guarded.TryWrite(s.Id)); // ended: the owner refuses to write
            Assert.True(registry.CheckResiduals().IsClean);

            registry.Open(SessionId.New());
        }

        // Disposing the container disposed the registry: every session ended.
        Assert.Equal(0, registry.ActiveCount);
        Assert.Throws<ObjectDisposedException>(() => registry.Open(SessionId.New()));
    }

    [Fact]
    public async Task A_generic_host_disposes_the_registry_on_shutdown_ending_every_session()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddSessionGuard(o => o.SweepInterval = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton<MapOwner>();
        builder.Services.AddSingleton<ISessionScoped>(sp => sp.GetRequiredService<MapOwner>());
        var host = builder.Build();
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<SessionRegistry>();
        var owner = host.Services.GetRequiredService<MapOwner>();
        var reports = new System.Collections.Concurrent.ConcurrentBag<SessionTeardownReport>();
        registry.SessionEnded += (_, r) => reports.Add(r);
        var session = registry.Open(SessionId.New());
        var socket = session.Own(new Res("socket"));
        owner.LastText[session.Id] = "x";

        await host.StopAsync();
        if (host is IAsyncDisposable asyncHost)
        {
            await asyncHost.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }

        var report = Assert.Single(reports);
        Assert.Equal(SessionEndReason.Shutdown, report.Reason);
        Assert.Equal(1, socket.Disposals);
        Assert.Empty(owner.LastText);
        Assert.Equal(0, registry.ActiveCount);
    }

    [Fact]
    public void AddSessionGuard_validates_options_when_the_registry_is_built()
    {
        var services = new ServiceCollection().AddSessionGuard(o => o.IdleTimeout = TimeSpan.FromSeconds(-1));
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<SessionRegistry>());
        Assert.Contains("IdleTimeout", Assert.Single(ex.Failures), StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => SessionGuardServiceCollectionExtensions.AddSessionGuard(null!));
    }

    /// <summary>An owner that depends on the registry to refuse writes for sessions that are not active.</summary>
    private sealed class GuardedOwner : ISessionScoped
    {
        private readonly SessionRegistry _registry;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<SessionId, int> _state = new();

        public GuardedOwner(SessionRegistry registry) => _registry = registry;

        public int MemberCount => 1;

        public bool TryWrite(SessionId id)
        {
            if (!_registry.IsActive(id))
            {
                return false;
            }

            _state[id] = 1;
            return true;
        }

        public string GetMemberName(int index) => "_state";

        public int GetLiveEntryCount(int index) => _state.Count;

        public ValueTask<int> ReleaseSessionAsync(SessionId session) => new(_state.TryRemove(session, out _) ? 1 : 0);
    }
}
