using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SessionGuard.AspNetCore.Hosting;

/// <summary>
/// Ends every session as <see cref="SessionEndReason.Shutdown"/> when the host begins stopping, before the server
/// stops: otherwise the server would wait its whole shutdown timeout for connections whose handlers never return, then
/// abort them (and the sessions would end as lost connections).
/// </summary>
internal sealed class SessionGuardLifetimeService : IHostedLifecycleService
{
    private readonly SessionRegistry _registry;
    private readonly ILogger _logger;

    // Taking the monitor here creates it when the host starts, so that it sees every session that ends.
    public SessionGuardLifetimeService(SessionRegistry registry, ResidualMonitor monitor, ILoggerFactory? loggerFactory = null)
    {
        _registry = registry;
        _ = monitor;
        _logger = (ILogger?)loggerFactory?.CreateLogger<SessionGuardLifetimeService>() ?? NullLogger.Instance;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before any hosted service (the server included) stops; the token fires at the shutdown timeout.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        // Disposing the registry ends every session with Shutdown (each connection sends 1001, then its handler is
        // cancelled) and refuses new ones (the endpoints answer 503).
        try
        {
            await _registry.DisposeAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.ShutdownTimedOut(_logger);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
