using System;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionGuard;
using SessionGuard.DependencyInjection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers SessionGuard in a service collection.</summary>
public static class SessionGuardServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SessionRegistry"/> as a singleton (disposed with the container, which ends every session)
    /// built from <see cref="SessionRegistryOptions"/>, the container's <see cref="TimeProvider"/>,
    /// <see cref="ILoggerFactory"/> and <see cref="IMeterFactory"/> when present, and registers it as the
    /// <see cref="ISessionOpener"/> hosts open sessions with, unless one is registered already.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Every owner of per-session state the container creates joins the registry, whichever way and in whichever
    /// order it was added: a service registered as <see cref="ISessionScoped"/>, as its own type
    /// (<c>services.AddSingleton&lt;MyOwner&gt;()</c>), or under another service type with an implementation type
    /// that implements <see cref="ISessionScoped"/>. Owners are resolved lazily, before the first session opens, so
    /// owners may depend on the registry themselves. A factory registration is seen only when its service type
    /// implements <see cref="ISessionScoped"/>.
    /// </para>
    /// <para>
    /// The options, and the owner registrations (an owner must be a singleton of a closed type), are validated when
    /// the host starts (<c>ValidateOnStart</c>) and again when the registry is built: the failure names the option or
    /// the owner type and the fix.
    /// </para>
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddSessionGuard(this IServiceCollection services, Action<SessionRegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SessionRegistryOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SessionRegistryOptions>, SessionGuardStartupValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (OwnerServices.Find(services) is null)
        {
            services.AddSingleton(new OwnerServices(services));
        }

        services.TryAddSingleton(static sp =>
        {
            var owners = sp.GetRequiredService<OwnerServices>();
            owners.ThrowIfInvalid();
            var registry = new SessionRegistry(
                sp.GetRequiredService<IOptions<SessionRegistryOptions>>().Value,
                sp.GetService<TimeProvider>(),
                sp.GetService<ILoggerFactory>(),
                sp.GetService<IMeterFactory>());
            registry.AddDeferredOwners(() => owners.Resolve(sp));
            return registry;
        });

        // The hosts open sessions through this; an integration that claims sessions first (AddRedis) replaces it.
        services.TryAddSingleton<ISessionOpener>(static sp => sp.GetRequiredService<SessionRegistry>());
        return services;
    }
}
