using System;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using SessionGuard;
using SessionGuard.AspNetCore;
using SessionGuard.AspNetCore.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers SessionGuard's ASP.NET Core integration.</summary>
public static class SessionGuardAspNetCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="SessionRegistry"/> (through <c>AddSessionGuard</c>, once whatever the number of calls)
    /// and a hosted service that, when the host begins stopping, ends every session with
    /// <see cref="SessionEndReason.Shutdown"/> (connected sockets get 1001 first) within the host's shutdown timeout,
    /// before the server stops. Idempotent.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the registry's options (as <c>AddSessionGuard</c>'s).</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddSessionGuardAspNetCore(this IServiceCollection services, Action<SessionRegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSessionGuard(configure);
        services.TryAddSingleton<SessionGuardAspNetCoreMarker>();
        services.TryAddSingleton<ResidualMonitor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SessionGuardLifetimeService>());
        return services;
    }
}
