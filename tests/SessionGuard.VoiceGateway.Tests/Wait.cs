using System;
using System.Threading.Tasks;

namespace SessionGuard.VoiceGateway.Tests;

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/>; the 30 s bound only guards against a hang.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting until " + what);
            await Task.Delay(5);
        }
    }
}
