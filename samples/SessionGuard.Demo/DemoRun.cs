using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionGuard.Audio;

namespace SessionGuard.Demo;

/// <summary>
/// A miniature voice-translation server on a fake clock: sessions stream audio into a ring each, get recognized text
/// translated, keep per-session state in a stage, own resources and temp files, and end in every way a real server
/// sees (closed, idle, evicted, with a hung task, at shutdown). Every teardown report is printed. At the end: the
/// residual check, what a naive twin of the stage fed the same calls still holds, and the metrics read back from the
/// meter. The fake clock makes every run tell the same story with the same numbers (only the order
/// of the reports of sessions ended together at shutdown may differ).
/// </summary>
public static class DemoRun
{
    private const int FrameBytes = 640;          // 20 ms of 16 kHz 16-bit mono
    private const int RingFrames = 50;           // one second of audio per session, then the oldest is dropped

    /// <summary>Runs the story, writing to <paramref name="output"/>; returns the process exit code (0 when nothing leaked).</summary>
    public static async Task<int> RunAsync(TextWriter output)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        using var metrics = new MetricsReadout();
        var options = new SessionRegistryOptions
        {
            MaxSessions = 4,
            OverflowPolicy = SessionOverflowPolicy.EvictIdlest,
            IdleTimeout = TimeSpan.FromMinutes(5),
            SweepInterval = Timeout.InfiniteTimeSpan,   // the demo sweeps itself, on its own clock
            TaskDrainTimeout = TimeSpan.FromSeconds(2),
        };

        var registry = new SessionRegistry(options, time, meterFactory: metrics);
        var stage = new TranslationStage(registry, time);
        var naive = new NaiveTranslationStage();
        registry.Register(stage);
        var rings = new ConcurrentDictionary<SessionId, AudioRingBuffer>();
        int ended = 0;
        int pendingReleased = 0;
        registry.SessionEnded += (_, report) =>
        {
            Interlocked.Increment(ref ended);
            foreach (var removed in report.EntriesRemovedByMember)
            {
                if (removed.Member == "_translations")
                {
                    Interlocked.Add(ref pendingReleased, removed.Count);
                }
            }

            output.WriteLine();
            output.WriteLine(report);
            if (rings.TryRemove(report.SessionId, out var ring))
            {
                var s = ring.GetStatistics();
                output.WriteLine($"  audio ring: {s.WrittenBytes} bytes written, {s.ConsumedBytes} read, {s.DroppedChunks} chunks ({s.DroppedBytes} bytes) dropped (over the 1 s cap, or unread at the end)");
            }
        };

        var server = new Server(registry, stage, naive, rings, time, output);
        output.WriteLine($"SessionGuard demo: cap {options.MaxSessions} sessions, idle timeout {options.IdleTimeout.TotalMinutes} min, drain timeout {options.TaskDrainTimeout.TotalSeconds} s, audio ring {RingFrames} frames per session");

        // 1. alice: talks for 1.2 s (more than her ring holds), three turns translated (one fails), a fourth in flight
        //    when she hangs up.
        var alice = server.Connect("alice");
        server.Stream(alice, frames: 60);
        await server.SayAsync(alice, turns: 3, complete: true);
#pragma warning disable SG1001 // deliberate: a translation left in flight when alice hangs up, to show what each stage keeps
        _ = server.Say(alice, turn: 3);
#pragma warning restore SG1001
        output.WriteLine($"\n> alice hangs up with a translation in flight (stage holds {stage.Describe()})");
        await registry.EndAsync(alice.Id);

        // 2. bob: says one thing and goes silent; the idle sweep ends him.
        var bob = server.Connect("bob");
        server.Stream(bob, frames: 10);
        await server.SayAsync(bob, turns: 1, complete: true);
        output.WriteLine("\n> bob goes silent for 5 minutes");
        time.Advance(options.IdleTimeout);
        int swept = await registry.SweepAsync();
        output.WriteLine($"> the sweep ended {swept} session");

        // 3. carol, dave, erin and frank fill the cap; grace evicts the idlest (carol, silent the longest).
        var carol = server.Connect("carol");
        server.Stream(carol, frames: 10);
#pragma warning disable SG1001 // deliberate: a translation left in flight when carol is evicted, to show what each stage keeps
        _ = server.Say(carol, turn: 0);
#pragma warning restore SG1001
        time.Advance(TimeSpan.FromSeconds(1));
        var dave = server.Connect("dave");
        var erin = server.Connect("erin");
        var frank = server.Connect("frank");
        foreach (var s in new[] { dave, erin, frank })
        {
            server.Stream(s, frames: 20);
#pragma warning disable SG1001 // deliberate: translations left in flight when the sessions end, to show what each stage keeps
            _ = server.Say(s, turn: 0);
#pragma warning restore SG1001
        }

        output.WriteLine($"\n> grace connects with {registry.ActiveCount} sessions active: the idlest is evicted");
        var grace = server.Connect("grace");
        server.Stream(grace, frames: 80);
        await carol.EndAsync();
        await dave.EndAsync();

        // 4. hung: a task that ignores cancellation; the teardown reports it after the drain timeout instead of
        //    waiting forever.
        var hung = server.Connect("hung");
        var neverDone = new TaskCompletionSource();
        _ = hung.Run(_ => neverDone.Task, "blocking-tts-call");
        output.WriteLine("\n> hung ends while a task ignores cancellation");
        var hungEnd = registry.EndAsync(hung.Id).AsTask();
        while (!hungEnd.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.WhenAny(hungEnd, Task.Delay(10));
        }

        await hungEnd;

        // 5. shutdown: erin, frank and grace are still connected when the server stops.
        metrics.ObserveOwnerEntries();
        output.WriteLine($"\n> shutting down with {registry.ActiveCount} sessions active (stage holds {stage.Describe()})");
        await registry.DisposeAsync();

        var residuals = registry.CheckResiduals();
        output.WriteLine();
        output.WriteLine($"{ended} sessions ended; residual check: {residuals}");
        output.WriteLine($"guarded stage holds: {stage.Describe()}; pending translations released at teardown: {pendingReleased}");
        output.WriteLine($"naive twin, fed the same calls, still holds {naive.Total} entries: {naive.Describe()}");
        output.WriteLine($"temp folder left on disk: {Directory.Exists(registry.TempFolder)}");
        output.WriteLine("metrics read back from the meter:");
        foreach (var line in metrics.Lines())
        {
            output.WriteLine("  " + line);
        }

        neverDone.SetResult();
        bool ok = residuals.IsClean && registry.ActiveCount == 0 && stage.PendingTranslations == 0 && naive.Total > 0;
        return ok ? 0 : 1;
    }

    /// <summary>What the server does on each event, for the guarded stage and its naive twin alike.</summary>
    private sealed class Server(SessionRegistry registry, TranslationStage stage, NaiveTranslationStage naive,
        ConcurrentDictionary<SessionId, AudioRingBuffer> rings, FakeTimeProvider time, TextWriter output)
    {
        public Session Connect(string name)
        {
            var session = registry.Open(SessionId.Parse(name));
            session.Own(new FakeSocket(name, output));
            rings[session.Id] = session.Own(new AudioRingBuffer(new AudioRingBufferOptions
            {
                MaxChunks = RingFrames,
                MaxBytes = RingFrames * FrameBytes,
                MaxChunkBytes = FrameBytes,
            }));
            string recording = session.CreateTempFile(".wav");
            File.WriteAllText(recording, "RIFF....WAVE");
            _ = session.Run(ct => Task.Delay(Timeout.InfiniteTimeSpan, time, ct), "receive-loop");
            output.WriteLine($"> {name} connected");
            return session;
        }

        /// <summary>The socket delivers <paramref name="frames"/> frames at once; the recognizer then reads half a second.</summary>
        public void Stream(Session session, int frames)
        {
            var ring = rings[session.Id];
            var frame = new byte[FrameBytes];
            for (int i = 0; i < frames; i++)
            {
                ring.Write(frame);
            }

            session.Touch();
            if (ring.TryRead(out var read))
            {
                long take = Math.Min(read.Buffer.Length, RingFrames / 2 * FrameBytes);
                ring.AdvanceTo(read.Buffer.GetPosition(take));
            }
        }

        public async Task SayAsync(Session session, int turns, bool complete)
        {
            for (int turn = 0; turn < turns; turn++)
            {
#pragma warning disable SG1001 // deliberate: with complete: false the translation stays in flight (awaited only when complete)
                var translation = Say(session, turn);
#pragma warning restore SG1001
                if (complete)
                {
                    time.Advance(TimeSpan.FromSeconds(2));
                    try
                    {
                        await translation;
                    }
                    catch (HttpRequestException)
                    {
                        // The translation service failed this turn: the guarded map dropped the entry, the naive one did not.
                    }
                }
            }
        }

        /// <summary>Recognized text for a turn: both stages get it and start its translation.</summary>
        public Task Say(Session session, int turn)
        {
            string text = $"{session.Id} says hello #{turn}";
            var guarded = stage.OnRecognized(session.Id, turn, text, ct => TranslateAsync(text, ct));
            var twin = naive.OnRecognized(session.Id, turn, text, () => TranslateAsync(text, CancellationToken.None));
            return Task.WhenAll(guarded ?? Task.CompletedTask, twin);
        }

        private async Task<string> TranslateAsync(string text, CancellationToken ct)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), time, ct);
            if (text.EndsWith("#2", StringComparison.Ordinal))
            {
                throw new HttpRequestException("translation service: 503");
            }

            return "[fr] " + text;
        }
    }
}
