using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace SessionGuard.Redis.Tests;

/// <summary>
/// A real redis-server for the tests: started on a free loopback port with a temp directory and no persistence, stopped
/// (and its directory removed) at the end.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "sessionguard-redis-" + Guid.NewGuid().ToString("N")[..12]);

    public int Port { get; private set; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false";

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Port = RedisProcess.FreePort();
        await StartProcessAsync();
        Redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},connectTimeout=1000,allowAdmin=true");
    }

    /// <summary>Kills the server (SIGKILL: with no persistence every key is lost) and starts it again on the same port.</summary>
    public async Task RestartAsync()
    {
        _process!.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        await StartProcessAsync();
    }

    private async Task StartProcessAsync()
    {
        _process = RedisProcess.Start(Port, Directory);
        await RedisProcess.WaitUntilAnswersAsync(_process, Port);
    }

    public async Task DisposeAsync()
    {
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Every key of one prefix's cluster (scans, for assertions only).</summary>
    public async Task<string[]> KeysAsync(string prefix)
    {
        var server = Redis.GetServer(Redis.GetEndPoints()[0]);
        var keys = new System.Collections.Generic.List<string>();
        await foreach (var key in server.KeysAsync(pattern: "{" + prefix + "}:*"))
        {
            keys.Add(key!);
        }

        keys.Sort(StringComparer.Ordinal);
        return keys.ToArray();
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "redis";
}
