using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SessionGuard.AspNetCore.Tests;
using SessionGuard.Docs.Tests.Snippets;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

/// <summary>
/// SessionGuard.AspNetCore's WebSocket endpoint and SignalR hub filter on nodes with <c>AddRedis</c>: real Kestrel servers,
/// real clients, one real redis-server.
/// </summary>
[Collection(RedisCollection.Name)]
public class AspNetCoreClusterTests
{
    private static readonly TimeSpan Bound = AspNetCoreNode.Bound;
    private readonly RedisServer _server;

    public AspNetCoreClusterTests(RedisServer server) => _server = server;

    private IDatabase Db => _server.Redis.GetDatabase();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_reconnects_to_another_node_moves_its_session_there_and_the_first_node_closes_its_socket(bool redisRegisteredFirst)
    {
        string p = Prefix.New();
        await using var a = await StartAsync(p, "node-a");
        await using var b = await StartAsync(p, "node-b", redisRegisteredFirst: redisRegisteredFirst);
        var id = new SessionId("caller-1");

        using var first = await a.ConnectAsync("caller-1");
        Assert.Equal("one", await first.EchoAsync("one"));
        Assert.Equal("node-a", (string?)await Db.HashGetAsync($"{{{p}}}:s:caller-1", "node"));

        using var second = await b.ConnectAsync("caller-1");
        Assert.Equal("two", await second.EchoAsync("two"));

        // A ends its copy (the claim moved) and its socket gets the moved close status.
        Assert.Null(await first.ReceiveTextAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, first.CloseStatus);
        Assert.Equal(AspNetCore.SessionCloseStatus.For(SessionEndReason.MovedToAnotherNode).Description, first.CloseStatusDescription);
        await first.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Bound);
        var report = await a.NextReportAsync();
        Assert.Equal(SessionEndReason.MovedToAnotherNode, report.Reason);

        // B's is the only live copy, and the only claimed one.
        Assert.False(a.Registry.IsActive(id));
        Assert.True(b.Registry.IsActive(id));
        Assert.False(a.Cluster!.TryGetFence(id, out _));
        Assert.True(b.Cluster!.TryGetFence(id, out long fence));
        Assert.Equal("node-b", (string?)await Db.HashGetAsync($"{{{p}}}:s:caller-1", "node"));
        Assert.Equal(fence, (long)await Db.HashGetAsync($"{{{p}}}:s:caller-1", "fence"));
        Assert.Equal("still", await second.EchoAsync("still"));
    }

    [Fact]
    public async Task In_refuse_mode_the_second_node_refuses_the_handshake_with_409_and_the_first_keeps_the_session()
    {
        string p = Prefix.New();
        await using var a = await StartAsync(p, "node-a");
        await using var b = await StartAsync(p, "node-b", o => o.WhenOwnedElsewhere = RemoteOwnerPolicy.Refuse);

        using var first = await a.ConnectAsync("caller-1");
        Assert.Equal("one", await first.EchoAsync("one"));

        var (status, _) = await b.RefusedAsync("caller-1");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.False(b.Registry.IsActive(new SessionId("caller-1")));
        Assert.Equal(0, b.Cluster!.ClaimCount);
        Assert.Equal("still", await first.EchoAsync("still"));
        Assert.Equal("node-a", (string?)await Db.HashGetAsync($"{{{p}}}:s:caller-1", "node"));
    }

    [Fact]
    public async Task A_full_cluster_refuses_the_handshake_with_503_and_Retry_After()
    {
        string p = Prefix.New();
        await using var a = await StartAsync(p, "node-a", o => o.MaxSessionsPerCluster = 1);
        await using var b = await StartAsync(p, "node-b", o => o.MaxSessionsPerCluster = 1);

        using var first = await a.ConnectAsync("caller-1");
        Assert.Equal("one", await first.EchoAsync("one"));

        var (status, retryAfter) = await b.RefusedAsync("caller-2");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("5", retryAfter);
        Assert.Equal(0, b.Registry.ActiveCount);
    }

    [Fact]
    public async Task With_Redis_unreachable_and_fail_closed_the_handshake_gets_503_and_nothing_opens()
    {
        int dead = FreePort();
        await using var node = await AspNetCoreNode.StartAsync(o =>
        {
            o.Configuration = $"127.0.0.1:{dead},connectTimeout=200";
            o.KeyPrefix = Prefix.New();
            o.OperationTimeout = TimeSpan.FromMilliseconds(300);
        });

        var (status, retryAfter) = await node.RefusedAsync("caller-1");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("5", retryAfter);
        Assert.Equal(0, node.Registry.ActiveCount);
    }

    [Fact]
    public async Task A_reconnect_while_the_old_session_is_still_ending_waits_for_it_instead_of_failing()
    {
        string p = Prefix.New();
        var gate = new ReleaseGate();
        await using var a = await StartAsync(p, "node-a", services: s =>
            {
                s.AddSingleton<ISessionScoped>(gate);
                s.Configure<SessionRegistryOptions>(o => o.OwnerReleaseTimeout = TimeSpan.FromSeconds(20)); // the gate holds longer than the default
            },
            endpoint: o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        var id = new SessionId("caller-1");

        using (var first = await a.ConnectAsync("caller-1"))
        {
            Assert.Equal("one", await first.EchoAsync("one"));
            await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Bound);
        }

        // The old session's teardown is held in an owner's release: a reconnect waits for it, up to ConnectTimeout.
        await gate.Entered.WaitAsync(Bound);
        var (status, _) = await a.RefusedAsync("caller-1");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);

        gate.Open();
        Assert.Equal(SessionEndReason.Closed, (await a.NextReportAsync()).Reason);
        using var again = await a.ConnectAsync("caller-1");
        Assert.Equal("two", await again.EchoAsync("two"));
        Assert.True(a.Cluster!.TryGetFence(id, out long fence));
        Assert.Equal(fence, (long)await Db.HashGetAsync($"{{{p}}}:s:caller-1", "fence"));
    }

    [Fact]
    public async Task A_hub_connection_whose_session_moves_to_another_node_is_closed_by_the_first()
    {
        string p = Prefix.New();
        await using var a = await StartHubAsync(p, "node-a");
        await using var b = await StartHubAsync(p, "node-b");

        await using var first = Connect(a, "caller-1");
        var closed = first.WhenClosed();
        await first.StartAsync().WaitAsync(Bound);
        Assert.Equal("caller-1:one", await first.InvokeAsync<string>("Echo", "one").WaitAsync(Bound));

        await using var second = Connect(b, "caller-1");
        await second.StartAsync().WaitAsync(Bound);
        Assert.Equal("caller-1:two", await second.InvokeAsync<string>("Echo", "two").WaitAsync(Bound));

        await closed.WaitAsync(Bound);
        Assert.Equal(SessionEndReason.MovedToAnotherNode, (await a.NextReportAsync()).Reason);
        Assert.False(a.Registry.IsActive(new SessionId("caller-1")));
        Assert.True(b.Cluster!.TryGetFence(new SessionId("caller-1"), out _));
        Assert.Equal("caller-1:still", await second.InvokeAsync<string>("Echo", "still").WaitAsync(Bound));
    }

    [Fact]
    public async Task In_refuse_mode_a_hub_connection_to_the_second_node_is_refused_with_a_reason()
    {
        string p = Prefix.New();
        await using var a = await StartHubAsync(p, "node-a");
        await using var b = await StartHubAsync(p, "node-b", o => o.WhenOwnedElsewhere = RemoteOwnerPolicy.Refuse);

        await using var first = Connect(a, "caller-1");
        await first.StartAsync().WaitAsync(Bound);
        Assert.Equal("caller-1:one", await first.InvokeAsync<string>("Echo", "one").WaitAsync(Bound));

        await using var second = Connect(b, "caller-1");
        var error = await second.StartRefusedAsync();
        Assert.Contains("This session is connected to another server.", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, b.Registry.ActiveCount);
        Assert.Equal("caller-1:still", await first.InvokeAsync<string>("Echo", "still").WaitAsync(Bound));
    }

    [Fact]
    public async Task The_documented_app_moves_a_call_and_a_hub_connection_to_the_node_the_client_reconnects_to()
    {
        string[] args = { "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning" };
        await using var a = RedisAspNetCore.BuildApp(args, _server.Configuration, EchoAsync);
        await using var b = RedisAspNetCore.BuildApp(args, _server.Configuration, EchoAsync);
        await a.StartAsync().WaitAsync(Bound);
        await b.StartAsync().WaitAsync(Bound);
        Uri aBase = new(a.Urls.First()), bBase = new(b.Urls.First());
        string call = "doc-" + Guid.NewGuid().ToString("N")[..8];

        using var first = new ClientWebSocket();
        await first.ConnectAsync(Ws(aBase, "/call/" + call), CancellationToken.None).WaitAsync(Bound);
        Assert.Equal("one", await first.EchoAsync("one"));
        using var second = new ClientWebSocket();
        await second.ConnectAsync(Ws(bBase, "/call/" + call), CancellationToken.None).WaitAsync(Bound);
        Assert.Equal("two", await second.EchoAsync("two"));
        Assert.Null(await first.ReceiveTextAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, first.CloseStatus);
        await first.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Bound);

        await using var hubA = new HubConnectionBuilder().WithUrl(new Uri(aBase, "/calls?call=" + call + "-hub"), o => o.Transports = HttpTransportType.WebSockets).Build();
        var closed = hubA.WhenClosed();
        await hubA.StartAsync().WaitAsync(Bound);
        Assert.Equal($"{call}-hub: hi", await hubA.InvokeAsync<string>("Say", "hi").WaitAsync(Bound));
        await using var hubB = new HubConnectionBuilder().WithUrl(new Uri(bBase, "/calls?call=" + call + "-hub"), o => o.Transports = HttpTransportType.WebSockets).Build();
        await hubB.StartAsync().WaitAsync(Bound);
        Assert.Equal($"{call}-hub: there", await hubB.InvokeAsync<string>("Say", "there").WaitAsync(Bound));
        await closed.WaitAsync(Bound);

        var clusterB = b.Services.GetRequiredService<RedisSessionCluster>();
        Assert.True(clusterB.TryGetFence(new SessionId(call), out _));
        Assert.True(clusterB.TryGetFence(new SessionId(call + "-hub"), out _));
        Assert.False(a.Services.GetRequiredService<SessionRegistry>().IsActive(new SessionId(call)));
        await a.StopAsync().WaitAsync(Bound);
        await b.StopAsync().WaitAsync(Bound);

        static Uri Ws(Uri http, string path) => new(new Uri(http.ToString().Replace("http://", "ws://", StringComparison.Ordinal)), path);
    }

    private static Task EchoAsync(Session session, WebSocket socket, CancellationToken ct) => Wire.EchoAsync(socket, ct);

    private Task<AspNetCoreNode> StartAsync(string prefix, string node, Action<RedisSessionOptions>? configure = null, bool redisRegisteredFirst = false, Action<IServiceCollection>? services = null, Action<AspNetCore.SessionWebSocketOptions>? endpoint = null, Action<WebApplication>? map = null)
    {
        void Redis(RedisSessionOptions o)
        {
            o.Configuration = _server.Configuration;
            o.KeyPrefix = prefix;
            o.NodeId = node;
            configure?.Invoke(o);
        }

        // With redisRegisteredFirst, AddRedis comes before AddSessionGuardAspNetCore (which adds the registry): the order must not matter.
        return AspNetCoreNode.StartAsync(Redis, services, map, endpoint, redisRegisteredFirst);
    }

    private Task<AspNetCoreNode> StartHubAsync(string prefix, string node, Action<RedisSessionOptions>? configure = null) =>
        StartAsync(
            prefix,
            node,
            configure,
            services: s => s.AddSignalR().AddSessionGuard(o => o.SessionId = c => c.GetHttpContext()!.Request.Query["session"]),
            map: app => app.MapHub<EchoHub>("/hub"));

    private static HubConnection Connect(AspNetCoreNode node, string session) =>
        new HubConnectionBuilder().WithUrl(new Uri(node.HttpBase, "/hub?session=" + session), o => o.Transports = HttpTransportType.WebSockets).Build();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public sealed class EchoHub : Hub
    {
        public string Echo(string text) => Context.GetSession().Id.Value + ":" + text;
    }

    /// <summary>An owner whose release of a session waits until the test opens the gate: holds a teardown part-way.</summary>
    private sealed class ReleaseGate : ISessionScoped
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public int MemberCount => 0;

        public void Open() => _open.TrySetResult();

        public async ValueTask<int> ReleaseSessionAsync(SessionId session)
        {
            _entered.TrySetResult();
            await _open.Task;
            return 0;
        }

        public string GetMemberName(int index) => throw new ArgumentOutOfRangeException(nameof(index));

        public int GetLiveEntryCount(int index) => throw new ArgumentOutOfRangeException(nameof(index));
    }
}
