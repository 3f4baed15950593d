using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SessionGuard.AspNetCore.Hosting;

/// <summary>Healthy; Degraded near the session cap or when the last residual check found leftovers.</summary>
internal sealed class SessionGuardHealthCheck : IHealthCheck
{
    private readonly SessionRegistry _registry;
    private readonly ResidualMonitor _monitor;
    private readonly SessionGuardHealthCheckOptions _options;

    public SessionGuardHealthCheck(SessionRegistry registry, ResidualMonitor monitor, SessionGuardHealthCheckOptions options)
    {
        _registry = registry;
        _monitor = monitor;
        _options = options;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        int live = _registry.ActiveCount;
        int cap = _registry.Options.MaxSessions;
        if (live == 0)
        {
            _monitor.Check();
        }

        var residuals = _monitor.Last;
        int leftovers = 0;
        if (residuals is not null)
        {
            foreach (var entry in residuals.Entries)
            {
                leftovers += entry.Count;
            }
        }

        var data = new Dictionary<string, object>
        {
            ["live_sessions"] = live,
            ["max_sessions"] = cap,
            ["last_residual_entries"] = leftovers,
            ["last_residuals"] = residuals?.ToString() ?? "none checked yet",
        };

        int threshold = (int)Math.Ceiling(cap * _options.DegradedThreshold);
        HealthCheckResult result =
            residuals is { IsClean: false } ? HealthCheckResult.Degraded($"The last residual check found {leftovers} entries held with no session open: {residuals}", data: data)
            : live >= threshold ? HealthCheckResult.Degraded($"{live} of {cap} sessions are live (degraded from {threshold}).", data: data)
            : HealthCheckResult.Healthy($"{live} of {cap} sessions are live.", data);
        return Task.FromResult(result);
    }
}
