using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SessionGuard.Docs.Tests.Snippets;

namespace SessionGuard.Redis.Tests;

[Collection(RedisCollection.Name)]
public class DocsExampleTests
{
    private readonly RedisServer _server;

    public DocsExampleTests(RedisServer server) => _server = server;

    [Fact]
    public async Task The_documented_host_claims_a_session_and_leaves_only_the_fencing_counter_and_epoch_when_it_stops()
    {
        var cache = new RemoteCache();
        using (var host = RedisCluster.BuildHost(_server.Configuration))
        {
            await host.StartAsync();
            var cluster = host.Services.GetRequiredService<RedisSessionCluster>();
            using var remote = RedisCluster.KeepRemoteState(cluster, cache);
            var (session, fence) = await RedisCluster.OnConnectAsync(cluster, "caller-7");
            Assert.True(session.IsActive);
            Assert.True(fence > 0);
            Assert.Equal(session, (await RedisCluster.OnConnectAsync(cluster, "caller-7")).Session);
            await RedisCluster.KeepTranscriptAsync(_server.Redis.GetDatabase(), session, "hello");
            Assert.Equal("hello", (string?)await _server.Redis.GetDatabase().StringGetAsync("{sessionguard}:transcript:caller-7"));
            await host.StopAsync();
        }

        Assert.Equal(new[] { "{sessionguard}:epoch", "{sessionguard}:fence" }, await _server.KeysAsync("sessionguard"));
    }
}
