using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using StackExchange.Redis;

namespace SessionGuard.Benchmarks.Redis;

/// <summary>
/// A redis-server of the benchmark's own, as the Redis tests start theirs: a free loopback port, a temp directory, no
/// persistence (<c>--save '' --appendonly no</c>); stopped and its directory removed on dispose.
/// </summary>
internal sealed class LoopbackRedis : IDisposable
{
    private readonly Process _process;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionguard-bench-redis-" + Guid.NewGuid().ToString("N")[..12]);

    public LoopbackRedis()
    {
        Directory.CreateDirectory(_directory);
        Port = FreePort();
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                Connection = ConnectionMultiplexer.Connect($"127.0.0.1:{Port},connectTimeout=1000,allowAdmin=true");
                Connection.GetDatabase().Ping();
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    public int Port { get; }

    public ConnectionMultiplexer Connection { get; } = null!;

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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
