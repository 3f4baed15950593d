using System;
using System.Collections.Generic;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SessionGuard;
using SessionGuard.AspNetCore;
using SessionGuard.AspNetCore.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the SessionGuard health check.</summary>
public static class SessionGuardHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of the <see cref="SessionRegistry"/>: Healthy; Degraded when the live sessions reach
    /// <see cref="SessionGuardHealthCheckOptions.DegradedThreshold"/> of the cap, or when the last residual check (made
    /// whenever no session is open) found entries an owner still held. Its data: <c>live_sessions</c>,
    /// <c>max_sessions</c>, <c>last_residual_entries</c>, <c>last_residuals</c>. Calls <c>AddSessionGuardAspNetCore</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="configure">Configures the check.</param>
    /// <param name="name">The check's name. Default <c>sessionguard</c>.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public static IHealthChecksBuilder AddSessionGuard(this IHealthChecksBuilder builder, Action<SessionGuardHealthCheckOptions>? configure = null, string name = "sessionguard", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = new SessionGuardHealthCheckOptions();
        configure?.Invoke(options);
        options.Validate();
        builder.Services.AddSessionGuardAspNetCore();
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new SessionGuardHealthCheck(sp.GetRequiredService<SessionRegistry>(), sp.GetRequiredService<ResidualMonitor>(), options),
            failureStatus: null,
            tags));
    }
}
