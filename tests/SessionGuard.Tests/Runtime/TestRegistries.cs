using System;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

/// <summary>What the registry tests share: options without the sweep timer, and a bounded wait for a condition.</summary>
internal static class TestRegistries
{
    internal static SessionRegistryOptions NoSweep(Action<SessionRegistryOptions>? configure = null)
    {
        var options = new SessionRegistryOptions { SweepInterval = Timeout.InfiniteTimeSpan };
        configure?.Invoke(options);
        return options;
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not reached in 10 s");
            }

            await Task.Delay(5);
        }
    }
}
