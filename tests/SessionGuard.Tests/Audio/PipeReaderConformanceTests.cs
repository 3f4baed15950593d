using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.Audio;

namespace SessionGuard.Tests.Audio;

/// <summary>Each scenario runs against a real <see cref="Pipe"/>'s reader and against <see cref="AudioRingBuffer"/>;
/// the outcomes (values, or exception type and message) must be the same.</summary>
public class PipeReaderConformanceTests
{
    /// <summary>A reader and the way to feed it.</summary>
    public abstract class Subject
    {
        public abstract PipeReader Reader { get; }

        public abstract void Write(byte[] data);

        public abstract void CompleteWriter(Exception? error = null);

        public static Subject Pipe() => new PipeSubject();

        public static Subject Ring() => new RingSubject();
    }

    private sealed class PipeSubject : Subject
    {
        private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));

        public override PipeReader Reader => _pipe.Reader;

        public override void Write(byte[] data)
        {
            _pipe.Writer.Write(data);
            _pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        }

        public override void CompleteWriter(Exception? error = null) => _pipe.Writer.Complete(error);
    }

    private sealed class RingSubject : Subject
    {
        private readonly AudioRingBuffer _ring = new(new AudioRingBufferOptions { Pool = new AudioBlockPool(64, 4, name: "conformance") });

        public override PipeReader Reader => _ring;

        public override void Write(byte[] data) => _ring.Write(data);

        public override void CompleteWriter(Exception? error = null) => _ring.CompleteWriter(error);
    }

    private static string Outcome(Action action)
    {
        try
        {
            action();
            return "ok";
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    private static string Outcome(Func<string> action)
    {
        try
        {
            return action();
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    private static byte[] Bytes(int n, int seed = 1) => Enumerable.Range(0, n).Select(i => (byte)(i * 7 + seed)).ToArray();

    private static void Same(Func<Subject, string> scenario)
    {
        string expected = scenario(Subject.Pipe());
        string actual = scenario(Subject.Ring());
        Assert.Equal(expected, actual);
    }

    private static ReadResult Read(PipeReader reader) => reader.ReadAsync().AsTask().GetAwaiter().GetResult();

    [Fact]
    public void Reading_twice_without_AdvanceTo_throws() => Same(s =>
    {
        s.Write(Bytes(10));
        Read(s.Reader);
        return Outcome(() => s.Reader.ReadAsync()) + " | " + Outcome(() => s.Reader.TryRead(out _));
    });

    [Fact]
    public void TryRead_while_a_read_is_pending_throws() => Same(s =>
    {
        ValueTask<ReadResult> pending = s.Reader.ReadAsync();
        string outcome = Outcome(() => s.Reader.TryRead(out _));
        s.Write(Bytes(3));
        ReadResult r = pending.AsTask().GetAwaiter().GetResult();
        return outcome + " | " + r.Buffer.Length;
    });

    [Fact]
    public void AdvanceTo_without_a_read_throws_and_after_a_failed_TryRead_does_not() => Same(s =>
        Outcome(() => s.Reader.AdvanceTo(default)) + " | " + s.Reader.TryRead(out _) + " | " + Outcome(() => s.Reader.AdvanceTo(default)));

    [Fact]
    public void A_woken_read_gets_everything_written_before_its_result_is_taken() => Same(s =>
    {
        ValueTask<ReadResult> waiting = s.Reader.ReadAsync();
        s.Write(Bytes(10));
        s.Write(Bytes(5, seed: 3));
        ReadResult r = waiting.AsTask().GetAwaiter().GetResult();
        string bytes = string.Join(",", r.Buffer.ToArray());
        s.Reader.AdvanceTo(r.Buffer.End);
        return bytes;
    });

    // The ring posts a partial advance without taking its lock; the outcomes must still be Pipe's.
    [Fact]
    public void A_second_AdvanceTo_after_a_partial_one_throws() => Same(s =>
    {
        s.Write(Bytes(10));
        ReadResult r = Read(s.Reader);
        s.Reader.AdvanceTo(r.Buffer.GetPosition(4), r.Buffer.GetPosition(6));
        return Outcome(() => s.Reader.AdvanceTo(r.Buffer.End));
    });

    [Fact]
    public void After_partial_advances_the_kept_bytes_come_back_first() => Same(s =>
    {
        s.Write(Bytes(10));
        ReadResult r = Read(s.Reader);
        s.Reader.AdvanceTo(r.Buffer.GetPosition(4), r.Buffer.GetPosition(6));
        bool again = s.Reader.TryRead(out ReadResult next);
        string kept = string.Join(",", next.Buffer.ToArray());
        s.Reader.AdvanceTo(next.Buffer.GetPosition(2), next.Buffer.End);
        bool waits = s.Reader.TryRead(out _);
        s.Write(Bytes(3, seed: 9));
        ReadResult last = Read(s.Reader);
        return $"{again} | {kept} | {waits} | {string.Join(",", last.Buffer.ToArray())}";
    });

    [Fact]
    public void Examined_before_consumed_throws() => Same(s =>
    {
        s.Write(Bytes(10));
        ReadResult r = Read(s.Reader);
        return Outcome(() => s.Reader.AdvanceTo(r.Buffer.End, r.Buffer.Start));
    });

    [Fact]
    public void Completed_reader_rejects_reads_and_advances_and_a_second_Complete_is_harmless() => Same(s =>
    {
        s.Write(Bytes(10));
        ReadResult r = Read(s.Reader);
        s.Reader.Complete();
        return string.Join(" | ",
            Outcome(() => s.Reader.Complete()),
            Outcome(() => s.Reader.AdvanceTo(r.Buffer.End)),
            Outcome(() => s.Reader.ReadAsync()),
            Outcome(() => s.Reader.TryRead(out _)),
            Outcome(() => s.Reader.CancelPendingRead()));
    });

    [Fact]
    public void CancelPendingRead_before_a_read_cancels_the_next_read_once() => Same(s =>
    {
        s.Write(Bytes(10));
        s.Reader.CancelPendingRead();
        ReadResult r = Read(s.Reader);
        string first = $"{r.IsCanceled} {r.Buffer.Length}";
        s.Reader.AdvanceTo(r.Buffer.Start);
        bool got = s.Reader.TryRead(out ReadResult again);
        return first + " | " + got + " " + again.IsCanceled + " " + again.Buffer.Length;
    });

    [Fact]
    public void CancelPendingRead_completes_a_waiting_read() => Same(s =>
    {
        ValueTask<ReadResult> pending = s.Reader.ReadAsync();
        string before = pending.IsCompleted.ToString();
        s.Reader.CancelPendingRead();
        ReadResult r = pending.AsTask().GetAwaiter().GetResult();
        return before + " | " + r.IsCanceled + " " + r.IsCompleted + " " + r.Buffer.Length;
    });

    [Fact]
    public void Examining_to_the_end_makes_the_next_read_wait_for_new_data() => Same(s =>
    {
        s.Write(Bytes(10));
        ReadResult r = Read(s.Reader);
        s.Reader.AdvanceTo(r.Buffer.GetPosition(4), r.Buffer.End);
        bool tryRead = s.Reader.TryRead(out _);
        ValueTask<ReadResult> next = s.Reader.ReadAsync();
        string waiting = next.IsCompleted.ToString();
        s.Write(Bytes(5, 9));
        ReadResult r2 = next.AsTask().GetAwaiter().GetResult();
        return $"{tryRead} | {waiting} | {r2.Buffer.Length} {Convert.ToHexString(r2.Buffer.ToArray())}";
    });

    [Fact]
    public void Examining_part_of_the_data_lets_the_next_read_complete_at_once() => Same(s =>
    {
        s.Write(Bytes(10));
        ReadResult r = Read(s.Reader);
        s.Reader.AdvanceTo(r.Buffer.GetPosition(2), r.Buffer.GetPosition(6));
        ValueTask<ReadResult> next = s.Reader.ReadAsync();
        return next.IsCompleted + " " + Convert.ToHexString(next.AsTask().GetAwaiter().GetResult().Buffer.ToArray());
    });

    [Fact]
    public void Completed_writer_gives_the_rest_then_an_empty_completed_read() => Same(s =>
    {
        s.Write(Bytes(10));
        s.CompleteWriter();
        ReadResult r = Read(s.Reader);
        string first = $"{r.IsCompleted} {r.Buffer.Length}";
        s.Reader.AdvanceTo(r.Buffer.End);
        ReadResult r2 = Read(s.Reader);
        return first + " | " + r2.IsCompleted + " " + r2.Buffer.Length;
    });

    [Fact]
    public void Writer_completed_with_an_error_makes_reads_throw_it() => Same(s =>
    {
        s.Write(Bytes(10));
        s.CompleteWriter(new InvalidDataException("mic failed"));
        return Outcome(() => Read(s.Reader).Buffer.Length.ToString());
    });

    [Fact]
    public void Writer_failing_while_a_read_waits_fails_that_read() => Same(s =>
    {
        ValueTask<ReadResult> pending = s.Reader.ReadAsync();
        string complete = Outcome(() => s.CompleteWriter(new InvalidDataException("mic failed")));
        return complete + " | " + Outcome(() => pending.AsTask().GetAwaiter().GetResult().Buffer.Length.ToString());
    });

    [Fact]
    public void Negative_minimum_throws() => Same(s => Outcome(() => s.Reader.ReadAtLeastAsync(-1)));

    [Fact]
    public void ReadAtLeastAsync_waits_for_the_minimum() => Same(s =>
    {
        s.Write(Bytes(10));
        ValueTask<ReadResult> read = s.Reader.ReadAtLeastAsync(15);
        string before = read.IsCompleted.ToString();
        s.Write(Bytes(10, 3));
        ReadResult r = read.AsTask().GetAwaiter().GetResult();
        return before + " " + r.Buffer.Length;
    });

    [Fact]
    public void A_cancelled_token_cancels_the_read_and_the_reader_stays_usable() => Same(s =>
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        string pre = Outcome(() => s.Reader.ReadAsync(cancelled.Token).AsTask().GetAwaiter().GetResult().Buffer.Length.ToString());
        using var later = new CancellationTokenSource();
        ValueTask<ReadResult> pending = s.Reader.ReadAsync(later.Token);
        later.Cancel();
        string during = Outcome(() => pending.AsTask().GetAwaiter().GetResult().Buffer.Length.ToString());
        s.Write(Bytes(4));
        string after = Outcome(() => Read(s.Reader).Buffer.Length.ToString());
        return pre + " | " + during + " | " + after;
    });

    [Fact]
    public void A_view_spanning_several_blocks_is_the_written_data() => Same(s =>
    {
        s.Write(Bytes(100, 1));
        s.Write(Bytes(300, 2));
        ReadResult r = Read(s.Reader);
        return r.Buffer.Length + " " + Convert.ToHexString(r.Buffer.ToArray());
    });

    [Fact]
    public async Task AsStream_reads_everything()
    {
        byte[] data = Bytes(5000);
        await using var ring = new AudioRingBuffer(new AudioRingBufferOptions { Pool = new AudioBlockPool(256, 4, name: "stream") });
        for (int i = 0; i < data.Length; i += 640)
        {
            ring.Write(data.AsSpan(i, Math.Min(640, data.Length - i)));
        }

        ring.CompleteWriter();
        using Stream stream = ring.AsStream();
        using var copy = new MemoryStream();
        var buffer = new byte[333];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            copy.Write(buffer, 0, n);
        }

        Assert.Equal(data, copy.ToArray());
        Assert.Equal(data.Length, ring.ConsumedBytes);
    }

    [Fact]
    public async Task CopyToAsync_copies_everything()
    {
        byte[] data = Bytes(70_000);
        await using var ring = new AudioRingBuffer(new AudioRingBufferOptions { Pool = new AudioBlockPool(4096, 4, name: "copy") });
        Task<byte[]> copy = Task.Run(async () =>
        {
            using var target = new MemoryStream();
            await ring.CopyToAsync(target);
            return target.ToArray();
        });
        for (int i = 0; i < data.Length; i += 3200)
        {
            ring.Write(data.AsSpan(i, Math.Min(3200, data.Length - i)));
        }

        ring.CompleteWriter();
        byte[] copied = await copy;
        Assert.Equal(data, copied);
    }

    // Where Pipe does not validate (it accepts the position and corrupts its own state), the ring throws.

    [Fact]
    public void A_stale_position_throws()
    {
        var ring = new AudioRingBuffer(new AudioRingBufferOptions { Pool = new AudioBlockPool(64, 4, name: "stale") });
        ring.Write(Bytes(10));
        ReadResult r = Read(ring);
        ring.AdvanceTo(r.Buffer.GetPosition(5));
        ring.Write(Bytes(10));
        Read(ring);
        var e = Assert.Throws<InvalidOperationException>(() => ring.AdvanceTo(r.Buffer.Start));
        Assert.Equal("The PipeReader has already advanced past the provided position.", e.Message);
        Assert.Equal(5, ring.ConsumedBytes);
    }

    [Fact]
    public void A_position_beyond_the_view_throws_and_loses_nothing()
    {
        var ring = new AudioRingBuffer(new AudioRingBufferOptions { Pool = new AudioBlockPool(64, 4, name: "beyond") });
        ring.Write(Bytes(10));
        ReadResult r = Read(ring);
        var beyond = new SequencePosition(r.Buffer.Start.GetObject(), 11);
        Assert.Throws<InvalidOperationException>(() => ring.AdvanceTo(beyond));
        Assert.Throws<InvalidOperationException>(() => ring.AdvanceTo(r.Buffer.Start, beyond));

        var other = new AudioRingBuffer(new AudioRingBufferOptions { Pool = new AudioBlockPool(64, 4, name: "other") });
        other.Write(Bytes(10));
        ReadResult foreign = Read(other);
        Assert.Throws<InvalidOperationException>(() => ring.AdvanceTo(foreign.Buffer.End));

        ring.AdvanceTo(r.Buffer.End);
        Assert.Equal(10, ring.ConsumedBytes);
        Assert.Equal(0, ring.DroppedBytes);
    }
}
