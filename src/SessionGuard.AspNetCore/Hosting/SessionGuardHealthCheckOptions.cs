using System;

namespace SessionGuard.AspNetCore;

/// <summary>Settings of the SessionGuard health check.</summary>
public sealed class SessionGuardHealthCheckOptions
{
    /// <summary>
    /// The share of <see cref="SessionRegistryOptions.MaxSessions"/> from which the check reports Degraded. Default 0.9;
    /// greater than 0 and at most 1.
    /// </summary>
    public double DegradedThreshold { get; set; } = 0.9;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="DegradedThreshold"/> is not in (0, 1].</exception>
    public void Validate()
    {
        if (!(DegradedThreshold > 0 && DegradedThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(DegradedThreshold), DegradedThreshold, "DegradedThreshold must be greater than 0 and at most 1.");
        }
    }
}
