using System;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SessionGuard;
using SessionGuard.AspNetCore;
using SessionGuard.AspNetCore.SignalR;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>SignalR integration of SessionGuard.</summary>
public static class SessionGuardSignalRExtensions
{
    /// <summary>
    /// Adds a hub filter that makes every hub connection a <see cref="Session"/>: opened before the hub's
    /// <c>OnConnectedAsync</c> (id from <see cref="SessionGuardHubOptions.SessionId"/>, the connection id by default),
    /// returned by <c>Context.GetSession()</c> in hub methods, touched by each invocation (which runs as session work),
    /// and ended after the hub's own <c>OnDisconnectedAsync</c>: <see cref="SessionEndReason.Closed"/> on a clean
    /// disconnect, <see cref="SessionEndReason.Disconnected"/> when the connection was lost, or kept for
    /// <see cref="SessionGuardHubOptions.ReconnectGrace"/> for a reconnect that selects the same id. When the server ends
    /// the session (idle, evicted, shutdown) the connection is aborted, which cancels its streaming methods. Without a
    /// grace, a second connection for a session id that is connected is refused. Sessions are opened through the
    /// container's <see cref="ISessionOpener"/> (the registry, or the Redis cluster with <c>AddRedis</c>); a session it
    /// refuses fails the connection with a <c>HubException</c> that says why. Calls <c>AddSessionGuardAspNetCore</c>.
    /// </summary>
    /// <param name="builder">The SignalR builder.</param>
    /// <param name="configure">Configures the filter.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static ISignalRServerBuilder AddSessionGuard(this ISignalRServerBuilder builder, Action<SessionGuardHubOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddSessionGuardAspNetCore();
        services.AddOptions<SessionGuardHubOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(static sp => new SessionGuardHubFilter(
            sp.GetService<ISessionOpener>() ?? sp.GetRequiredService<SessionRegistry>(),
            sp.GetRequiredService<IOptions<SessionGuardHubOptions>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HubOptions>, HubFilterSetup>());
        return builder;
    }

    private sealed class HubFilterSetup : IConfigureOptions<HubOptions>
    {
        public void Configure(HubOptions options) => options.AddFilter<SessionGuardHubFilter>();
    }
}
