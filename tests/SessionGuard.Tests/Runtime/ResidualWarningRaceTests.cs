using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

/// <summary>The residual warning ("No session is open, but owners still hold per-session entries") must never be
/// false: under open/end churn of one id, another session that opens, writes its entry and ends made the check run
/// while it was open (its entry counted) and end before the open count was read again.</summary>
public class ResidualWarningRaceTests
{
    [Fact]
    public async Task Churn_of_two_ids_never_logs_a_false_residual_warning()
    {
        const int Iterations = 20_000;
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Warning));
        var registry = new SessionRegistry(new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan }, loggerFactory: loggerFactory);
        var owner = new MapOwner();
        registry.Register(owner);
        Exception? error = null;
        using var go = new Barrier(2);

        Thread Churn(string name, bool writes) => new(() =>
        {
            go.SignalAndWait();
            try
            {
                var id = SessionId.Parse(name);
                for (int i = 0; i < Iterations; i++)
                {
                    Session session = registry.Open(id);
                    if (writes)
                    {
                        owner.LastText[id] = "entry";
                    }

                    session.EndAsync().GetAwaiter().GetResult();
                }
            }
            catch (Exception e)
            {
                error ??= e;
            }
        }) { IsBackground = true };

        Thread a = Churn("churn-a", writes: false);
        Thread b = Churn("churn-b", writes: true);
        a.Start();
        b.Start();
        Assert.True(a.Join(TimeSpan.FromSeconds(120)) && b.Join(TimeSpan.FromSeconds(120)), "the churn never finished");
        Assert.Null(error);

        Assert.Empty(owner.LastText);
        var warnings = logs.GetSnapshot().Where(r => r.Id.Id == 6).ToList();
        Assert.True(warnings.Count == 0, $"{warnings.Count} false residual warnings, the first: {warnings.FirstOrDefault()?.Message}");

        // A real residual is still reported.
        Session leaky = registry.Open(SessionId.Parse("leaky"));
        await leaky.EndAsync();
        owner.LastText[SessionId.Parse("leaky")] = "left behind";
        Session last = registry.Open(SessionId.Parse("last"));
        await last.EndAsync();
        Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 6);
        owner.LastText.Clear();
        await registry.DisposeAsync();
    }
}
