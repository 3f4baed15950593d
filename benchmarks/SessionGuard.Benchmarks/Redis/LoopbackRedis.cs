using System;
using System.Diagnostics;
using System.IO;
using SessionGuard.Redis.Tests;
using StackExchange.Redis;

namespace SessionGuard.Benchmarks.Redis;

/// <summary>
/// A redis-server of the benchmark's own, started as the Redis tests start theirs (<see cref="RedisProcess"/>, compiled
/// from the tests): a free loopback port, a temp directory, no persistence (<c>--save '' --appendonly no</c>); stopped and
/// its directory removed on dispose.
/// </summary>
internal sealed class LoopbackRedis : IDisposable
{
    private readonly Process _process;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionguard-bench-redis-" + Guid.NewGuid().ToString("N")[..12]);

    public LoopbackRedis()
    {
        Directory.CreateDirectory(_directory);
        Port = RedisProcess.FreePort();
        _process = RedisProcess.Start(Port, _directory);
        RedisProcess.WaitUntilAnswersAsync(_process, Port).GetAwaiter().GetResult();
        Connection = ConnectionMultiplexer.Connect($"127.0.0.1:{Port},connectTimeout=1000,allowAdmin=true");
    }

    public int Port { get; }

    public ConnectionMultiplexer Connection { get; }

    public void Dispose()
    {
        Connection?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
