using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SessionGuard.AspNetCore.Tests;

/// <summary>A real Kestrel server on 127.0.0.1, port 0, with SessionGuard registered; records every teardown report.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The endpoints' close timeout in tests: generous, so that a loaded machine never aborts a socket before the client
    /// has read the close frame (an abort can reset the connection and lose it). Clients answer closes, so no test waits it.
    /// </summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(20);

    private readonly Channel<SessionTeardownReport> _reports = Channel.CreateUnbounded<SessionTeardownReport>();

    private TestHost(WebApplication app)
    {
        App = app;
        Registry = app.Services.GetRequiredService<SessionRegistry>();
        Registry.SessionEnded += (_, report) =>
        {
            AllReports.Add(report);
            _reports.Writer.TryWrite(report);
        };
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        HttpBase = new Uri(address);
        WsBase = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal));
    }

    public WebApplication App { get; }

    public SessionRegistry Registry { get; }

    public Uri HttpBase { get; }

    public Uri WsBase { get; }

    public ConcurrentBag<SessionTeardownReport> AllReports { get; } = new();

    /// <summary>
    /// Starts a host: <paramref name="servicesFirst"/> adds services before <c>AddSessionGuardAspNetCore</c>,
    /// <paramref name="services"/> after it; <paramref name="map"/> maps the endpoints.
    /// </summary>
    public static async Task<TestHost> StartAsync(Action<WebApplication> map, Action<SessionRegistryOptions>? registry = null, Action<IServiceCollection>? services = null, Action<IServiceCollection>? servicesFirst = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        servicesFirst?.Invoke(builder.Services);
        builder.Services.AddSessionGuardAspNetCore(o =>
        {
            o.SweepInterval = Timeout.InfiniteTimeSpan;
            o.TaskDrainTimeout = TimeSpan.FromSeconds(25);
            registry?.Invoke(o);
        });
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseWebSockets();
        map(app);
        await app.StartAsync();
        return new TestHost(app);
    }

    /// <summary>The next teardown report (waits, bounded).</summary>
    public async Task<SessionTeardownReport> NextReportAsync() => await _reports.Reader.ReadAsync().AsTask().WaitAsync(Bound);

    public Uri Ws(string pathAndQuery) => new(WsBase, pathAndQuery);

    public async Task<ClientWebSocket> ConnectAsync(string pathAndQuery)
    {
        var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(Bound);
        await client.ConnectAsync(Ws(pathAndQuery), timeout.Token);
        return client;
    }

    /// <summary>Connects and expects the server to refuse the upgrade; returns the HTTP status and Retry-After.</summary>
    public async Task<(HttpStatusCode Status, string? RetryAfter)> RefusedAsync(string pathAndQuery)
    {
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(Bound);
        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(Ws(pathAndQuery), timeout.Token));
        string? retryAfter = client.HttpResponseHeaders is { } headers && headers.TryGetValue("Retry-After", out var values) ? values.First() : null;
        return (client.HttpStatusCode, retryAfter);
    }

    /// <summary>
    /// Sends a WebSocket upgrade request the server is expected to refuse, as a plain HTTP request (a WebSocket client
    /// does not expose the body); returns the status and the text of the response.
    /// </summary>
    public async Task<(HttpStatusCode Status, string Body)> RefusalAsync(string pathAndQuery)
    {
        using var http = new HttpClient { Timeout = Bound };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(HttpBase, pathAndQuery));
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().WaitAsync(Bound);
        await App.DisposeAsync();
    }
}
