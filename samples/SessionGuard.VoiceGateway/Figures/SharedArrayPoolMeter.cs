using System;
using System.Buffers;
using System.Diagnostics.Tracing;
using System.Threading;

namespace SessionGuard.VoiceGateway.Figures;

/// <summary>
/// What <see cref="ArrayPool{T}.Shared"/> for bytes holds, read from the runtime's <c>ArrayPoolEventSource</c>: the
/// bytes of the arrays it allocated for its buckets since the meter started, less those it dropped (returned to a full
/// bucket) or trimmed. The pool keeps a returned array for reuse, up to 32 per size and core plus one per thread, and
/// trims them only slowly once they go unused: a buffer a session rents there stays after the session, as many as the
/// busiest moment rented. One listener for the process: the pool is the process's.
/// </summary>
/// <remarks>Only the pool's allocation, drop and trim events are enabled (level Informational), never its per-rent ones.</remarks>
internal sealed class SharedArrayPoolMeter : EventListener
{
    private const string SourceName = "System.Buffers.ArrayPoolEventSource";
    private const int PoolExhausted = 2; // BufferAllocated's reason for an array of a bucket's size, which returns into the pool

    private static readonly Lazy<SharedArrayPoolMeter> LazyInstance = new(() => new SharedArrayPoolMeter(), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly int SharedPoolId = ArrayPool<byte>.Shared.GetHashCode(); // the events' poolId
    private long _heldBytes;

    private SharedArrayPoolMeter()
    {
    }

    /// <summary>The process's meter, started on first use.</summary>
    public static SharedArrayPoolMeter Instance => LazyInstance.Value;

    /// <summary>Bytes of the arrays the pool allocated and still owns, rented or idle.</summary>
    public long HeldBytes => Interlocked.Read(ref _heldBytes);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == SourceName)
        {
            EnableEvents(eventSource, EventLevel.Informational);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        int sign = eventData.EventName switch
        {
            "BufferAllocated" => 1,
            "BufferDropped" or "BufferTrimmed" => -1,
            _ => 0,
        };
        if (sign == 0 || Payload(eventData, "poolId") != SharedPoolId || (sign > 0 && Payload(eventData, "reason") != PoolExhausted))
        {
            return;
        }

        Interlocked.Add(ref _heldBytes, sign * (long)Payload(eventData, "bufferSize"));
    }

    private static int Payload(EventWrittenEventArgs eventData, string name)
    {
        int index = eventData.PayloadNames?.IndexOf(name) ?? -1;
        return index >= 0 && eventData.Payload?[index] is { } value ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) : -1;
    }
}
