using System;
using System.Diagnostics.Metrics;
using System.Threading;

namespace SessionGuard.VoiceGateway.Figures;

/// <summary>
/// The bytes idle in Kestrel's block pool (4 KB pinned blocks for the connections' reads and writes), read from its
/// <c>aspnetcore.memory_pool.pooled</c> metric. The pool keeps the blocks of its busiest moment and gives them back a
/// share at a time once it is idle, every 10 s. Start it before the server, dispose it after.
/// </summary>
internal sealed class KestrelPoolMeter : IDisposable
{
    private const string MeterName = "Microsoft.AspNetCore.MemoryPool";
    private const string PooledInstrument = "aspnetcore.memory_pool.pooled";

    private readonly MeterListener _listener = new();
    private long _pooledBytes;

    public KestrelPoolMeter()
    {
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name == PooledInstrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, delta, _, _) => Interlocked.Add(ref _pooledBytes, delta));
        _listener.Start();
    }

    /// <summary>Bytes pooled and available for reuse.</summary>
    public long PooledBytes => Interlocked.Read(ref _pooledBytes);

    public void Dispose() => _listener.Dispose();
}
