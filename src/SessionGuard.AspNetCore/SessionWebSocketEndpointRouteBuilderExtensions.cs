using System;
using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SessionGuard;
using SessionGuard.AspNetCore;
using SessionGuard.AspNetCore.WebSockets;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps WebSocket endpoints whose connections are SessionGuard sessions.</summary>
public static class SessionWebSocketEndpointRouteBuilderExtensions
{
    /// <summary>Maps a WebSocket endpoint with the default <see cref="SessionWebSocketOptions"/> (a new session per connection).</summary>
    /// <param name="endpoints">The route builder (the <c>WebApplication</c>).</param>
    /// <param name="pattern">The route pattern.</param>
    /// <param name="handler">Serves one connection; its token is cancelled when the session ends or the request aborts.</param>
    /// <returns>The endpoint's convention builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException"><c>AddSessionGuardAspNetCore</c> was not called.</exception>
    public static IEndpointConventionBuilder MapSessionWebSocket(
        this IEndpointRouteBuilder endpoints,
        [StringSyntax("Route")] string pattern,
        Func<global::SessionGuard.Session, WebSocket, CancellationToken, Task> handler) =>
        endpoints.MapSessionWebSocket(pattern, handler, configure: null);

    /// <summary>Maps a WebSocket endpoint with the default <see cref="SessionWebSocketOptions"/>, with a handler that also receives the <see cref="HttpContext"/>.</summary>
    /// <param name="endpoints">The route builder (the <c>WebApplication</c>).</param>
    /// <param name="pattern">The route pattern.</param>
    /// <param name="handler">Serves one connection; its token is cancelled when the session ends or the request aborts.</param>
    /// <returns>The endpoint's convention builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException"><c>AddSessionGuardAspNetCore</c> was not called.</exception>
    public static IEndpointConventionBuilder MapSessionWebSocket(
        this IEndpointRouteBuilder endpoints,
        [StringSyntax("Route")] string pattern,
        Func<global::SessionGuard.Session, WebSocket, HttpContext, CancellationToken, Task> handler) =>
        endpoints.MapSessionWebSocket(pattern, handler, configure: null);

    /// <summary>
    /// Maps a WebSocket endpoint: each connection gets a <see cref="global::SessionGuard.Session"/> (see
    /// <see cref="SessionWebSocketOptions.SessionId"/>) that owns its socket, and <paramref name="handler"/> runs as the
    /// session's work. The session ends when the handler returns, the client closes (<see cref="SessionEndReason.Closed"/>)
    /// or the connection is lost (<see cref="SessionEndReason.Disconnected"/>); when the server ends it (idle, evicted,
    /// shutdown) the client gets a close status that says why (<see cref="SessionCloseStatus.For"/>), then the handler's
    /// token is cancelled. A request that is not a WebSocket request or carries no valid id gets 400, a full registry
    /// with <see cref="SessionOverflowPolicy.Reject"/> gets 503 with <c>Retry-After</c>, all before the upgrade. Sessions are
    /// opened through the container's <see cref="ISessionOpener"/> (the registry, or the Redis cluster with <c>AddRedis</c>):
    /// a session it refuses as live elsewhere gets 409, one it cannot claim now (<see cref="SessionOpenRefusedException.IsTransient"/>)
    /// 503 with <c>Retry-After</c>. Needs <c>services.AddSessionGuardAspNetCore()</c> and <c>app.UseWebSockets()</c>.
    /// </summary>
    /// <param name="endpoints">The route builder (the <c>WebApplication</c>).</param>
    /// <param name="pattern">The route pattern.</param>
    /// <param name="handler">Serves one connection; its token is cancelled when the session ends or the request aborts.</param>
    /// <param name="configure">Configures the endpoint's options.</param>
    /// <returns>The endpoint's convention builder (authorization, rate limiting, CORS apply as to any endpoint).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the exception names it.</exception>
    /// <exception cref="InvalidOperationException"><c>AddSessionGuardAspNetCore</c> was not called.</exception>
    public static IEndpointConventionBuilder MapSessionWebSocket(
        this IEndpointRouteBuilder endpoints,
        [StringSyntax("Route")] string pattern,
        Func<global::SessionGuard.Session, WebSocket, CancellationToken, Task> handler,
        Action<SessionWebSocketOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return endpoints.MapSessionWebSocket(pattern, (session, socket, _, ct) => handler(session, socket, ct), configure);
    }

    /// <summary>
    /// Maps a WebSocket endpoint like <see cref="MapSessionWebSocket(IEndpointRouteBuilder, string, Func{global::SessionGuard.Session, WebSocket, CancellationToken, Task}, Action{SessionWebSocketOptions}?)"/>,
    /// with a handler that also receives the request's <see cref="HttpContext"/>; its
    /// <see cref="ISessionConnectionFeature"/> tells whether the session was resumed.
    /// </summary>
    /// <param name="endpoints">The route builder (the <c>WebApplication</c>).</param>
    /// <param name="pattern">The route pattern.</param>
    /// <param name="handler">Serves one connection; its token is cancelled when the session ends or the request aborts.</param>
    /// <param name="configure">Configures the endpoint's options.</param>
    /// <returns>The endpoint's convention builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the exception names it.</exception>
    /// <exception cref="InvalidOperationException"><c>AddSessionGuardAspNetCore</c> was not called.</exception>
    public static IEndpointConventionBuilder MapSessionWebSocket(
        this IEndpointRouteBuilder endpoints,
        [StringSyntax("Route")] string pattern,
        Func<global::SessionGuard.Session, WebSocket, HttpContext, CancellationToken, Task> handler,
        Action<SessionWebSocketOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(handler);
        var options = new SessionWebSocketOptions();
        configure?.Invoke(options);
        options = options.Clone();
        options.Validate();

        var services = endpoints.ServiceProvider;
        if (services.GetService<SessionGuardAspNetCoreMarker>() is null)
        {
            throw new InvalidOperationException("MapSessionWebSocket needs builder.Services.AddSessionGuardAspNetCore() (it registers the registry and ends every session at host shutdown).");
        }

        var registry = services.GetRequiredService<SessionRegistry>();
        var drain = registry.Options.TaskDrainTimeout;
        if (options.CloseTimeout >= drain)
        {
            throw new ArgumentOutOfRangeException(nameof(SessionWebSocketOptions.CloseTimeout), options.CloseTimeout, $"CloseTimeout must be less than the registry's TaskDrainTimeout ({drain}): the handler runs until the close handshake ends, and teardown waits for it that long.");
        }

        var endpoint = new SessionWebSocketEndpoint(
            registry,
            services.GetService<ISessionOpener>() ?? registry,
            options,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            (ILogger?)services.GetService<ILoggerFactory>()?.CreateLogger("SessionGuard.AspNetCore.SessionWebSocket") ?? NullLogger.Instance,
            handler,
            pattern);
        return endpoints.Map(pattern, endpoint.InvokeAsync);
    }
}
