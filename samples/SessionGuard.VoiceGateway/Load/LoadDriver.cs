using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Audio;

namespace SessionGuard.VoiceGateway.Load;

/// <summary>
/// Puts a gateway under load over the network: <see cref="LoadOptions.Sessions"/> clients stream seeded synthesized
/// speech faster than real time and leave each of the ways in <see cref="DisconnectKind"/> in turn, then a reconnect
/// storm drops <see cref="LoadOptions.StormClients"/> clients at once and brings them all back.
/// </summary>
internal static class LoadDriver
{
    private static readonly DisconnectKind[] Rotation =
        [DisconnectKind.Close, DisconnectKind.Abort, DisconnectKind.Stall, DisconnectKind.Reconnect, DisconnectKind.Duplicate];

    public static async Task<LoadResult> RunAsync(Uri voiceUrl, LoadOptions options, CancellationToken cancellationToken = default) =>
        await RunAsync(voiceUrl, options, new LoadMonitor(), cancellationToken).ConfigureAwait(false);

    /// <summary>Runs the load and reports each finished client and close round trip to <paramref name="monitor"/>.</summary>
    public static async Task<LoadResult> RunAsync(Uri voiceUrl, LoadOptions options, LoadMonitor monitor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(voiceUrl);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(monitor);
        options.Validate();
        byte[][] clips = Enumerable.Range(0, options.Clips)
            .Select(i => SpeechSynthesizer.Generate(options.Seed * 1000 + i, options.AudioPerSession))
            .ToArray();
        var run = new Run(voiceUrl, options, monitor);

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Sessions), parallel, async (i, ct) =>
        {
            DisconnectKind kind = Rotation[i % Rotation.Length];
            await run.GuardAsync(() => run.ClientAsync(i, clips[i % clips.Length], kind, ct)).ConfigureAwait(false);
            monitor.OnCompleted();
        }).ConfigureAwait(false);

        if (options.StormClients > 0)
        {
            await run.StormAsync(clips, cancellationToken).ConfigureAwait(false);
        }

        return new LoadResult(run.Clients.ToDictionary(c => c.Key, c => c.Value), Interlocked.Read(ref run.TextFrames), run.Refused, run.Broken, run.Replaced);
    }

    private sealed class Run(Uri voiceUrl, LoadOptions options, LoadMonitor monitor)
    {
        public readonly ConcurrentDictionary<DisconnectKind, int> Clients = new();
        public long TextFrames;
        private int _refused;
        private int _broken;
        private int _replaced;

        public int Refused => Volatile.Read(ref _refused);

        public int Broken => Volatile.Read(ref _broken);

        public int Replaced => Volatile.Read(ref _replaced);

        /// <summary>Runs one client; a connection the server broke off (a send on a socket it closed) is counted, not thrown.</summary>
        public async Task GuardAsync(Func<Task> client)
        {
            try
            {
                await client().ConfigureAwait(false);
            }
            catch (WebSocketException)
            {
                Interlocked.Increment(ref _broken);
            }
        }

        public async Task ClientAsync(int client, byte[] clip, DisconnectKind kind, CancellationToken cancellationToken)
        {
            string id = "client-" + client.ToString("D6", CultureInfo.InvariantCulture);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(options.OperationTimeout);
            CancellationToken ct = bounded.Token;
            int frames = clip.Length / PcmFormat.FrameBytes;
            int half = frames / 2;
            LoadClient? first = await ConnectAsync(id, ct).ConfigureAwait(false);
            if (first is null)
            {
                return;
            }

            using (first)
            {
                await first.StreamAsync(clip, 0, kind == DisconnectKind.Close ? frames : half, ct).ConfigureAwait(false);
                switch (kind)
                {
                    case DisconnectKind.Close:
                        monitor.OnRoundTrip(client, await first.CloseAsync(ct).ConfigureAwait(false));
                        break;
                    case DisconnectKind.Abort:
                        first.Abort();
                        break;
                    case DisconnectKind.Stall:
                        if (!await first.WaitForServerCloseAsync(options.StallLimit).ConfigureAwait(false))
                        {
                            first.Abort(); // the server never closed it: the client gives up
                        }

                        break;
                    case DisconnectKind.Reconnect:
                        first.Abort();
                        await ResumeAsync(client, id, clip, half, frames, ct).ConfigureAwait(false);
                        break;
                    case DisconnectKind.Duplicate:
                        await ResumeAsync(client, id, clip, half, frames, ct).ConfigureAwait(false);
                        if (first.ClosedByServer == WebSocketCloseStatus.PolicyViolation)
                        {
                            Interlocked.Increment(ref _replaced); // the server closed it as replaced by the newer one
                        }

                        first.Abort(); // replaced (closed by the server) or, on a server that does not replace, left open until now
                        break;
                    default:
                        throw new ArgumentOutOfRangeException(nameof(kind), kind, "Storm clients run through StormAsync.");
                }
            }

            Clients.AddOrUpdate(kind, 1, static (_, n) => n + 1);
        }

        public async Task StormAsync(byte[][] clips, CancellationToken cancellationToken)
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(options.OperationTimeout);
            CancellationToken ct = bounded.Token;
            string[] ids = Enumerable.Range(0, options.StormClients).Select(i => "storm-" + i.ToString("D6", CultureInfo.InvariantCulture)).ToArray();

            // All connect and stream half, then all drop at once...
            LoadClient?[] clients = await Task.WhenAll(ids.Select(async (id, i) =>
            {
                LoadClient? client = await ConnectAsync(id, ct).ConfigureAwait(false);
                if (client is not null)
                {
                    byte[] clip = clips[i % clips.Length];
                    await GuardAsync(() => client.StreamAsync(clip, 0, clip.Length / PcmFormat.FrameBytes / 2, ct)).ConfigureAwait(false);
                }

                return client;
            })).ConfigureAwait(false);
            foreach (LoadClient? client in clients)
            {
                client?.Abort();
                client?.Dispose();
            }

            // ...and all come back with their ids, stream the rest and close.
            await Task.WhenAll(ids.Select(async (id, i) =>
            {
                byte[] clip = clips[i % clips.Length];
                int frames = clip.Length / PcmFormat.FrameBytes;
                await GuardAsync(() => ResumeAsync(options.Sessions + i, id, clip, frames / 2, frames, ct)).ConfigureAwait(false);
                Clients.AddOrUpdate(DisconnectKind.Storm, 1, static (_, n) => n + 1);
                monitor.OnCompleted();
            })).ConfigureAwait(false);
        }

        private async Task ResumeAsync(int client, string id, byte[] clip, int from, int to, CancellationToken ct)
        {
            LoadClient? again = await ConnectAsync(id, ct).ConfigureAwait(false);
            if (again is null)
            {
                return;
            }

            using (again)
            {
                await again.StreamAsync(clip, from, to, ct).ConfigureAwait(false);
                monitor.OnRoundTrip(client, await again.CloseAsync(ct).ConfigureAwait(false));
            }
        }

        private async Task<LoadClient?> ConnectAsync(string id, CancellationToken ct)
        {
            try
            {
                return await LoadClient.ConnectAsync(new Uri(voiceUrl, id), () => Interlocked.Increment(ref TextFrames), ct).ConfigureAwait(false);
            }
            catch (WebSocketException)
            {
                Interlocked.Increment(ref _refused); // 503 (full, still ending) or 409
                return null;
            }
        }
    }
}
