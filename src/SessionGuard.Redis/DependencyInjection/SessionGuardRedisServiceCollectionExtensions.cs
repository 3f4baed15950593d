using System;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionGuard;
using SessionGuard.Redis;
using SessionGuard.Redis.DependencyInjection;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers SessionGuard.Redis in a service collection.</summary>
public static class SessionGuardRedisServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="RedisSessionCluster"/> as a singleton for the container's <see cref="SessionRegistry"/> (add it
    /// with <c>AddSessionGuard</c>), on the container's <see cref="IConnectionMultiplexer"/> when one is registered, else on
    /// a connection of its own made from <see cref="RedisSessionOptions.Configuration"/>. The options are validated when the
    /// host starts (<c>ValidateOnStart</c>): a bad value, or neither a connection nor a configuration string, fails
    /// <c>StartAsync</c> with a message naming the option. The cluster becomes the container's <see cref="ISessionOpener"/>
    /// (in place of the registry, whichever of <c>AddSessionGuard</c> and <c>AddRedis</c> comes first): the sessions of
    /// SessionGuard.AspNetCore's WebSocket endpoints and SignalR hub filter are then claimed cluster-wide. Its meter comes
    /// from the container's <see cref="IMeterFactory"/> when there is one, as the registry's does.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddRedis(this IServiceCollection services, Action<RedisSessionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RedisSessionOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisSessionOptions>, RedisSessionOptionsValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<RedisSessionOptions>>().Value;
            var registry = sp.GetRequiredService<SessionRegistry>();
            var loggers = sp.GetService<ILoggerFactory>();
            var time = sp.GetService<TimeProvider>();
            var meters = sp.GetService<IMeterFactory>();
            return sp.GetService<IConnectionMultiplexer>() is { } redis
                ? new RedisSessionCluster(registry, redis, options, loggers, time, meters)
                : RedisSessionCluster.Connect(registry, options, loggers, time, meters);
        });

        // The hosts (the ASP.NET Core endpoints and hub filter) open through the cluster, so their sessions are claimed.
        services.Replace(ServiceDescriptor.Singleton<ISessionOpener>(static sp => sp.GetRequiredService<RedisSessionCluster>()));
        return services;
    }
}
