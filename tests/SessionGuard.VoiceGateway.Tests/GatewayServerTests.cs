using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SessionGuard.VoiceGateway.Server;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>The Kestrel settings both servers run on.</summary>
public sealed class GatewayServerTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("guarded")]
    [InlineData("naive")]
    public async Task A_connection_buffers_at_most_32_KB_of_unread_audio_by_default(string mode)
    {
        await using GatewayServer server = await GatewayServer.StartAsync(Enum.Parse<GatewayMode>(mode, ignoreCase: true), Options());

        // Kestrel's default is 1 MB a connection, held in its process-wide block pool until it is idle for a while.
        SocketTransportOptions transport = server.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        Assert.Equal(32 * 1024, transport.MaxReadBufferSize);
    }

    [Fact]
    public async Task The_read_buffer_limit_is_the_servers_option()
    {
        await using GatewayServer server = await GatewayServer.StartAsync(GatewayMode.Guarded, Options(8 * 1024));

        Assert.Equal(8 * 1024, server.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.MaxReadBufferSize);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task A_read_buffer_limit_that_is_not_positive_is_rejected_by_name(long limit)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => GatewayServer.StartAsync(GatewayMode.Guarded, Options(limit)));

        Assert.Equal(nameof(GatewayServerOptions.MaxReadBufferSize), error.ParamName);
    }

    private GatewayServerOptions Options() => new() { Pipeline = TestPipelines.Reliable(_temp.Path), TempRoot = _temp.Path };

    private GatewayServerOptions Options(long maxReadBufferSize) => new() { Pipeline = TestPipelines.Reliable(_temp.Path), TempRoot = _temp.Path, MaxReadBufferSize = maxReadBufferSize };
}
