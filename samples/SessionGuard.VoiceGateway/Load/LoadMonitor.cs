using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace SessionGuard.VoiceGateway.Load;

/// <summary>
/// What the load driver reports while it runs: clients finished (for progress and the chart's x axis) and the close
/// round trip of each client that closed cleanly: from its close frame to the server's (the server cuts the last
/// utterance, recognizes it, sends its translations and closes).
/// </summary>
internal sealed class LoadMonitor
{
    private readonly Lock _gate = new();
    private readonly List<RoundTrip> _roundTrips = new();
    private int _completed;

    /// <summary>Clients finished, however they finished (refused and broken off included).</summary>
    public int Completed => Volatile.Read(ref _completed);

    public void OnCompleted() => Interlocked.Increment(ref _completed);

    /// <summary>Records the close round trip of client number <paramref name="client"/> (the storm's numbers follow the others').</summary>
    public void OnRoundTrip(int client, TimeSpan elapsed)
    {
        lock (_gate)
        {
            _roundTrips.Add(new RoundTrip(client, elapsed.TotalMilliseconds));
        }
    }

    /// <summary>The round trips recorded from position <paramref name="from"/> on, in the order they were recorded.</summary>
    public RoundTrip[] RoundTripsSince(int from)
    {
        lock (_gate)
        {
            return from >= _roundTrips.Count ? [] : _roundTrips.Skip(from).ToArray();
        }
    }

    /// <summary>One client's close round trip.</summary>
    public readonly record struct RoundTrip(int Client, double Ms);
}
