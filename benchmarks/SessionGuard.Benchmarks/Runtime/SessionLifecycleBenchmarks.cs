using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace SessionGuard.Benchmarks.Runtime;

/// <summary>
/// Open and end one session (3 owners x 5 members, 3 owned disposables) against a DI scope holding the same
/// disposables, with 1, 1 000 and 100 000 other sessions (or scopes) alive.
/// </summary>
[MemoryDiagnoser]
public class SessionLifecycleBenchmarks
{
    private const int IdPool = 4096;
    private readonly SessionId[] _ids = new SessionId[IdPool];
    private readonly List<AsyncServiceScope> _liveScopes = new();
    private SessionRegistry _registry = null!;
    private ServiceProvider _provider = null!;
    private FiveMemberOwner[] _owners = null!;
    private int _next;

    [Params(1, 1_000, 100_000)]
    public int OtherLiveSessions { get; set; }

    /// <summary>Whether the other live sessions hold entries in the owners' maps (15 maps of that size) or not.</summary>
    [Params(false, true)]
    public bool OthersHoldEntries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = 200_000, SweepInterval = Timeout.InfiniteTimeSpan });
        _owners = new[] { new FiveMemberOwner(), new FiveMemberOwner(), new FiveMemberOwner() };
        foreach (var owner in _owners)
        {
            _registry.Register(owner);
        }

        for (int i = 0; i < OtherLiveSessions; i++)
        {
            var other = _registry.Open(SessionId.New());
            if (OthersHoldEntries)
            {
                foreach (var owner in _owners)
                {
                    owner.Write(other.Id);
                }
            }
        }

        for (int i = 0; i < IdPool; i++)
        {
            _ids[i] = SessionId.New();
        }

        var services = new ServiceCollection();
        services.AddScoped<ScopedDisposable1>();
        services.AddScoped<ScopedDisposable2>();
        services.AddScoped<ScopedDisposable3>();
        _provider = services.BuildServiceProvider();
        for (int i = 0; i < OtherLiveSessions; i++)
        {
            var scope = _provider.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<ScopedDisposable1>();
            _liveScopes.Add(scope);
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        foreach (var scope in _liveScopes)
        {
            await scope.DisposeAsync();
        }

        await _provider.DisposeAsync();
        await _registry.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "DI CreateAsyncScope + 3 disposables + DisposeAsync")]
    public async Task DiScope()
    {
        await using var scope = _provider.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ScopedDisposable1>();
        scope.ServiceProvider.GetRequiredService<ScopedDisposable2>();
        scope.ServiceProvider.GetRequiredService<ScopedDisposable3>();
    }

    [Benchmark(Description = "Open + Own x3 + EndAsync (owners hold nothing for it)")]
    public async Task OpenEnd()
    {
        var session = _registry.Open(NextId());
        session.Own(new Disposable());
        session.Own(new Disposable());
        session.Own(new Disposable());
        await session.EndAsync();
    }

    [Benchmark(Description = "Open + Own x3 + 15 entries + EndAsync")]
    public async Task OpenWriteEnd()
    {
        var id = NextId();
        var session = _registry.Open(id);
        session.Own(new Disposable());
        session.Own(new Disposable());
        session.Own(new Disposable());
        foreach (var owner in _owners)
        {
            owner.Write(id);
        }

        await session.EndAsync();
    }

    private SessionId NextId() => _ids[_next++ & (IdPool - 1)];
}

/// <summary>The cost of a session-owned task that completes at once, against calling the delegate directly.</summary>
[MemoryDiagnoser]
public class SessionRunBenchmarks
{
    private static readonly Func<CancellationToken, Task> Completed = static _ => Task.CompletedTask;
    private SessionRegistry _registry = null!;
    private Session _session = null!;

    [GlobalSetup]
    public void Setup()
    {
        _registry = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan });
        _session = _registry.Open(SessionId.New());
    }

    [GlobalCleanup]
    public Task Cleanup() => _registry.DisposeAsync().AsTask();

    [Benchmark(Baseline = true, Description = "work(token) called directly")]
    public Task Direct() => Completed(_session.Ending);

    [Benchmark(Description = "Session.Run(completed work)")]
    public Task Run() => _session.Run(Completed);

    [Benchmark(Description = "Session.Touch")]
    public void Touch() => _session.Touch();
}

/// <summary>One idle sweep over 100 000 live sessions, none of them idle: the scan cost.</summary>
[MemoryDiagnoser]
public class SweepBenchmarks
{
    private SessionRegistry _registry = null!;

    [Params(100_000)]
    public int LiveSessions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = LiveSessions, SweepInterval = Timeout.InfiniteTimeSpan });
        for (int i = 0; i < LiveSessions; i++)
        {
            _registry.Open(SessionId.New());
        }
    }

    [GlobalCleanup]
    public Task Cleanup() => _registry.DisposeAsync().AsTask();

    [Benchmark(Description = "SweepAsync over live sessions, none idle")]
    public Task<int> Sweep() => _registry.SweepAsync();
}

/// <summary>
/// Opening a session at the cap under <see cref="SessionOverflowPolicy.EvictIdlest"/>: finding the idlest of the live
/// sessions and starting its teardown. Every open evicts one session, so the registry stays at the cap.
/// </summary>
[MemoryDiagnoser]
public class EvictionBenchmarks
{
    private SessionRegistry _registry = null!;

    [Params(1_000, 100_000)]
    public int LiveSessions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _registry = new SessionRegistry(new SessionRegistryOptions { MaxSessions = LiveSessions, SweepInterval = Timeout.InfiniteTimeSpan });
        for (int i = 0; i < LiveSessions; i++)
        {
            _registry.Open(SessionId.New());
        }
    }

    [GlobalCleanup]
    public Task Cleanup() => _registry.DisposeAsync().AsTask();

    [Benchmark(Description = "Open at the cap (evicts the idlest)")]
    public Session OpenEvicting() => _registry.Open(SessionId.New());
}
