using System;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionGuard;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers SessionGuard in a service collection.</summary>
public static class SessionGuardServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SessionRegistry"/> as a singleton (disposed with the container, which ends every session)
    /// built from <see cref="SessionRegistryOptions"/>, the container's <see cref="TimeProvider"/>,
    /// <see cref="ILoggerFactory"/> and <see cref="IMeterFactory"/> when present. Every <see cref="ISessionScoped"/>
    /// service is registered with it, lazily on first use, so owners may depend on the registry themselves.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddSessionGuard(this IServiceCollection services, Action<SessionRegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SessionRegistryOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(static sp =>
        {
            var registry = new SessionRegistry(
                sp.GetRequiredService<IOptions<SessionRegistryOptions>>().Value,
                sp.GetService<TimeProvider>(),
                sp.GetService<ILoggerFactory>(),
                sp.GetService<IMeterFactory>());
            registry.AddDeferredOwners(() => sp.GetServices<ISessionScoped>());
            return registry;
        });
        return services;
    }
}
