using System;
using System.Linq;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SessionGuard.VoiceGateway.Pipeline;

namespace SessionGuard.VoiceGateway.Server;

/// <summary>
/// The gateway on Kestrel, 127.0.0.1 on a free port: clients connect to <c>ws://…/voice/{client id}</c>, send 20 ms
/// frames of PCM as binary messages and get the translations back as text messages.
/// </summary>
internal sealed partial class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    // Weak: the tracker must not keep a closed socket (and its Kestrel connection) alive in the heap the run measures.
    private readonly ConditionalWeakTable<WebSocket, object?> _sockets = new();
    private int _runningHandlers;

    private GatewayServer(GatewayMode mode, WebApplication app, IGatewayPipeline pipeline)
    {
        Mode = mode;
        _app = app;
        Pipeline = pipeline;
    }

    public GatewayMode Mode { get; }

    public IGatewayPipeline Pipeline { get; }

    /// <summary>The base address, e.g. <c>ws://127.0.0.1:50123/voice/</c>; append a client id.</summary>
    public Uri VoiceUrl { get; private set; } = null!;

    /// <summary>The host's services.</summary>
    internal IServiceProvider Services => _app.Services;

    /// <summary>Connection handlers still running.</summary>
    public int RunningHandlers => Volatile.Read(ref _runningHandlers);

    /// <summary>Server-side sockets the tracker still sees: the open ones and the closed ones not yet collected.</summary>
    internal int TrackedSockets => _sockets.Count();

    /// <summary>Server-side sockets not yet closed or aborted.</summary>
    public int OpenSockets => _sockets.Count(static entry => entry.Key.State is not (WebSocketState.Closed or WebSocketState.Aborted));

    public static async Task<GatewayServer> StartAsync(GatewayMode mode, GatewayServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // Clients may send faster than the handler reads (the load driver streams faster than real time): bounded, the
        // unread audio waits in the client's socket, not in Kestrel's process-wide block pool, which keeps the blocks
        // of its busiest moment.
        builder.WebHost.UseSockets(o => o.MaxReadBufferSize = options.MaxReadBufferSize);
        builder.Logging.ClearProviders();
        GatewayServer server = mode switch
        {
            GatewayMode.Guarded => BuildGuarded(builder, options),
            GatewayMode.Naive => BuildNaive(builder, options),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "The mode must be Guarded or Naive."),
        };
        await server._app.StartAsync(cancellationToken).ConfigureAwait(false);
        string address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.VoiceUrl = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/') + "/voice/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false); // ends every guarded session (Shutdown)
        await Pipeline.DisposeAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private void OnAccepted(WebSocket socket)
    {
        _sockets.TryAdd(socket, null);
        Interlocked.Increment(ref _runningHandlers);
    }

    private void OnHandlerEnded() => Interlocked.Decrement(ref _runningHandlers);
}
