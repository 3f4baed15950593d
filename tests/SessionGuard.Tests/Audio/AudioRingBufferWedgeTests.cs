using System;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.Audio;

namespace SessionGuard.Tests.Audio;

/// <summary>Empty views (a cancelled read of an empty ring, a woken read whose audio was evicted before it ran)
/// advanced while the producer evicts everything, and completion racing both: the ring stays consistent, no call
/// fails, and its lock is never left held.</summary>
public class AudioRingBufferWedgeTests
{
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(60);

    /// <summary>A one-block pool and one chunk at most: every second 640 B write evicts the chunk before it, which
    /// releases the ring's every block, and is then dropped for want of a block. A reader that reads and advances over
    /// its whole view all along, and reads cancelled by the producer, give it empty views while that happens.</summary>
    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void Empty_views_advanced_while_the_producer_evicts_everything_keep_the_ring_consistent(int seed)
    {
        const int Writes = 150_000;
        using var pool = new AudioBlockPool(blockSize: 1024, blocksPerSlab: 1, maxBytes: 1024, name: "empty-view-" + seed);
        var ring = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 1, MaxBytes = 4096, MaxChunkBytes = 1024, Pool = pool });
        Exception? producerError = null;
        Exception? readerError = null;
        long emptyViews = 0;
        long dropped = 0;

        var producer = new Thread(() =>
        {
            try
            {
                var random = new Random(seed);
                var chunk = new byte[640];
                for (int i = 0; i < Writes; i++)
                {
                    if (ring.Write(chunk).Dropped)
                    {
                        dropped++;
                    }

                    if (random.Next(16) == 0)
                    {
                        ring.CancelPendingRead();
                    }

                    if (i % 1000 == 0)
                    {
                        AssertConsistent(ring.GetStatistics(), 4096);
                    }
                }

                ring.CompleteWriter();
            }
            catch (Exception e)
            {
                producerError = e;
            }
        }) { IsBackground = true, Name = "empty-view-producer" };

        var reader = new Thread(() =>
        {
            try
            {
                var random = new Random(seed + 1);
                while (true)
                {
                    ReadResult read = ring.ReadAsync().AsTask().GetAwaiter().GetResult();
                    if (read.Buffer.IsEmpty)
                    {
                        emptyViews++;
                    }

                    if (read.IsCompleted)
                    {
                        ring.AdvanceTo(read.Buffer.End);
                        return;
                    }

                    // Mostly the ordinary "examined all, consumed nothing" (the next write evicts it), now and then
                    // everything.
                    ring.AdvanceTo(random.Next(8) == 0 ? read.Buffer.End : read.Buffer.Start, read.Buffer.End);
                }
            }
            catch (Exception e)
            {
                readerError = e;
            }
        }) { IsBackground = true, Name = "empty-view-reader" };

        producer.Start();
        reader.Start();
        Assert.True(producer.Join(HangLimit), "the producer never finished: the ring's lock was left held");
        if (!reader.Join(HangLimit))
        {
            // The reader waits for a completion its producer already signalled: a read that never completes.
            Assert.Fail($"the reader never saw the end (reader error: {readerError?.ToString() ?? "none"})");
        }

        Assert.Null(producerError);
        Assert.Null(readerError);
        Assert.True(emptyViews > 0, "no empty view was advanced");
        Assert.True(dropped > 0, "no chunk was dropped for want of a block");

        AudioRingBufferStatistics s = ring.GetStatistics();
        AssertConsistent(s, 4096);
        Assert.Equal(0, s.BufferedBytes);
        Assert.Equal(0, s.HeldBytes);
        ring.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Assert.Equal(0, pool.RentedBlocks);
    }

    /// <summary>A random producer, a reader that advances over part of its views (or all, or nothing, the empty ones
    /// included) and a third thread that completes or disposes the ring at a random moment, over many rings sharing a
    /// pool too small for all of them. The only exceptions allowed are the documented ones for reading or writing
    /// after completion; every block comes back.</summary>
    [Fact]
    public void Completion_racing_a_producer_and_a_partial_reader_leaves_no_block_and_no_wedge()
    {
        const int Rings = 300;
        using var pool = new AudioBlockPool(blockSize: 256, blocksPerSlab: 4, maxBytes: 256 * 4 * 3, name: "complete-race");
        var random = new Random(23);
        int readersStopped = 0;
        for (int r = 0; r < Rings; r++)
        {
            var ring = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 1 + random.Next(4), MaxBytes = 2048, MaxChunkBytes = 1024, Pool = pool });
            int seed = random.Next();
            Exception? unexpected = null;
            using var go = new Barrier(3);

            var producer = new Thread(() =>
            {
                var rnd = new Random(seed);
                var chunk = new byte[1024];
                go.SignalAndWait();
                try
                {
                    for (int i = 0; i < 4000; i++)
                    {
                        ring.Write(chunk.AsSpan(0, rnd.Next(1, chunk.Length + 1)));
                        if (rnd.Next(32) == 0)
                        {
                            ring.CancelPendingRead();
                        }
                    }
                }
                catch (InvalidOperationException)
                {
                    // Writing after the writer was completed: the documented end.
                }
                catch (Exception e)
                {
                    unexpected ??= e;
                }
            }) { IsBackground = true };

            var reader = new Thread(() =>
            {
                var rnd = new Random(seed + 1);
                go.SignalAndWait();
                try
                {
                    while (true)
                    {
                        ReadResult read = ring.ReadAsync().AsTask().GetAwaiter().GetResult();
                        long length = read.Buffer.Length;
                        long consumed = rnd.Next(3) switch { 0 => length, 1 => 0, _ => (long)(rnd.NextDouble() * length) };
                        ring.AdvanceTo(read.Buffer.GetPosition(consumed), read.Buffer.End);
                        if (read.IsCompleted)
                        {
                            break;
                        }
                    }

                    ring.Complete();
                }
                catch (InvalidOperationException)
                {
                    // Reading after the reader was completed by the disposal: the documented end.
                }
                catch (Exception e)
                {
                    unexpected ??= e;
                }

                Interlocked.Increment(ref readersStopped);
            }) { IsBackground = true };

            var closer = new Thread(() =>
            {
                var rnd = new Random(seed + 2);
                go.SignalAndWait();
                Thread.SpinWait(rnd.Next(20_000));
                try
                {
                    if (rnd.Next(3) == 0)
                    {
                        ring.CompleteWriter();
                    }
                    else
                    {
                        ring.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    }
                }
                catch (Exception e)
                {
                    unexpected ??= e;
                }
            }) { IsBackground = true };

            producer.Start();
            reader.Start();
            closer.Start();
            Assert.True(closer.Join(HangLimit), $"ring {r}: the closing call never returned: the ring's lock was left held");
            Assert.True(producer.Join(HangLimit), $"ring {r}: the producer never finished");
            ring.CompleteWriter();
            Assert.True(reader.Join(HangLimit), $"ring {r}: the reader never finished");
            Assert.Null(unexpected);

            AudioRingBufferStatistics s = ring.GetStatistics();
            AssertConsistent(s, 2048);
            ring.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Assert.Equal(0, ring.GetStatistics().RentedBlocks);
            Assert.Equal(0, pool.RentedBlocks);
        }

        Assert.Equal(Rings, readersStopped);
    }

    /// <summary>A read's token cancelled on another thread after the read checked it and before it registered it:
    /// the cancellation callback runs inside the registration, on the reading thread, which holds the ring's lock. The
    /// read must end cancelled and leave the lock free, not spin on it.</summary>
    [Fact]
    public async Task A_token_cancelled_while_the_read_registers_it_cancels_the_read_and_frees_the_lock()
    {
        using var pool = new AudioBlockPool(name: "register-race");
        var ring = new AudioRingBuffer(new AudioRingBufferOptions { Pool = pool });
        using var cts = new CancellationTokenSource();
        ring.BeforeCancellationRegisteredForTests = cts.Cancel;
        Task<ReadResult> read = Task.Factory.StartNew(() => ring.ReadAsync(cts.Token).AsTask(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

        Task first = await Task.WhenAny(read, Task.Delay(HangLimit));
        Assert.True(ReferenceEquals(first, read), "the read never returned: it waited for the lock its own thread held");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);

        // The lock is free and the reader can read again.
        ring.BeforeCancellationRegisteredForTests = null;
        ring.Write(new byte[640]);
        ReadResult next = await ring.ReadAsync();
        Assert.Equal(640, next.Buffer.Length);
        ring.AdvanceTo(next.Buffer.End);
        await ring.DisposeAsync();
    }

    private static void AssertConsistent(AudioRingBufferStatistics s, long maxBytes)
    {
        Assert.True(s.ConsumedBytes >= 0, $"ConsumedBytes {s.ConsumedBytes}");
        Assert.True(s.BufferedBytes >= 0 && s.HeldBytes >= 0, $"BufferedBytes {s.BufferedBytes}, HeldBytes {s.HeldBytes}");
        Assert.Equal(s.WrittenBytes, s.ConsumedBytes + s.DroppedBytes + s.BufferedBytes + s.HeldBytes);
        Assert.True(s.BufferedBytes + s.HeldBytes <= maxBytes, $"{s.BufferedBytes + s.HeldBytes} bytes held and buffered, over MaxBytes");
    }
}
