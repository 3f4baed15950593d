using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading;
using SessionGuard.Audio;

namespace SessionGuard.Tests.Audio;

/// <summary>Under budget pressure the pool takes memory back from the rings holding the most unread audio (rings
/// nobody reads, stuck at their caps), not from the ring that is writing.</summary>
public class AudioBlockPoolReclaimTests
{
    [Fact]
    public void Stuck_rings_holding_the_whole_budget_give_blocks_back_to_a_healthy_ring()
    {
        // 32 blocks of 256 B; each stuck ring's caps allow 16 of them, so two fill the budget.
        using var pool = new AudioBlockPool(256, blocksPerSlab: 8, maxBytes: 256 * 32, name: "stuck-and-healthy");
        var stuck1 = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 1000, MaxBytes = 256 * 16, MaxChunkBytes = 256, Pool = pool });
        var stuck2 = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 1000, MaxBytes = 256 * 16, MaxChunkBytes = 256, Pool = pool });
        var healthy = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 1000, MaxBytes = 256 * 16, MaxChunkBytes = 256, Pool = pool });
        var chunk = new byte[256];
        for (int i = 0; i < 40; i++)
        {
            stuck1.Write(chunk);
            stuck2.Write(chunk);
        }

        Assert.Equal(32, pool.AllocatedBlocks);
        Assert.Equal(256, healthy.Write(chunk).Written);
        Drain(healthy);

        // The healthy ring streams on; the stuck ones keep writing too, and only they lose audio.
        for (int i = 0; i < 500; i++)
        {
            AudioWriteResult result = healthy.Write(chunk);
            Assert.False(result.Dropped, $"write {i} of the healthy ring was dropped");
            Assert.Equal(0, result.EvictedChunks);
            Drain(healthy);
            stuck1.Write(chunk);
            stuck2.Write(chunk);
        }

        Assert.Equal(0, healthy.DroppedBytes);
        Assert.True(stuck1.DroppedChunks + stuck2.DroppedChunks > 500, "the stuck rings gave nothing back");
        Assert.Equal(stuck1.WrittenBytes, stuck1.DroppedBytes + stuck1.BufferedBytes);

        stuck1.DisposeAsync().AsTask().GetAwaiter().GetResult();
        stuck2.DisposeAsync().AsTask().GetAwaiter().GetResult();
        healthy.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Assert.Equal(0, pool.RentedBlocks);
        Assert.Equal(0, pool.HolderCount);
    }

    [Fact]
    public void A_view_the_reader_holds_is_never_taken_back()
    {
        using var pool = new AudioBlockPool(256, blocksPerSlab: 4, maxBytes: 256 * 4, name: "held-view");
        var reading = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 100, MaxBytes = 8192, MaxChunkBytes = 256, Pool = pool });
        var other = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 100, MaxBytes = 8192, MaxChunkBytes = 256, Pool = pool });
        var chunk = new byte[256];
        chunk.AsSpan().Fill(7);
        for (int i = 0; i < 4; i++)
        {
            reading.Write(chunk);
        }

        Assert.True(reading.TryRead(out ReadResult view));
        Assert.True(other.Write(chunk).Dropped);
        Assert.Equal(0, reading.DroppedBytes);
        Assert.All(view.Buffer.ToArray(), b => Assert.Equal(7, b));
        reading.AdvanceTo(view.Buffer.End);
        Assert.Equal(256, other.Write(chunk).Written);
    }

    /// <summary>Stuck producers and healthy producer-reader pairs (the producer paced by its reader) on their own
    /// threads, on one pool whose budget the stuck rings alone exhaust. Without taking memory back the healthy rings
    /// lose nearly every chunk; with it they keep most (a take-back can miss while the other ring's thread is not
    /// running, on two cores shared by six threads, mostly before a healthy ring has its first block). The counters of
    /// every ring add up, and every block comes back.</summary>
    [Fact]
    public void Stuck_and_healthy_rings_on_several_threads_share_one_pool()
    {
        const int Writes = 10_000;
        using var pool = new AudioBlockPool(256, blocksPerSlab: 8, maxBytes: 256 * 64, name: "reclaim-stress");
        var options = new AudioRingBufferOptions { MaxChunks = 1000, MaxBytes = 256 * 48, MaxChunkBytes = 256, Pool = pool };
        var stuck = new[] { new AudioRingBuffer(options), new AudioRingBuffer(options) };
        var healthy = new[] { new AudioRingBuffer(options), new AudioRingBuffer(options) };
        Exception? error = null;
        var threads = new System.Collections.Generic.List<Thread>();
        var stuckThreads = new System.Collections.Generic.List<Thread>();
        int healthyDone = 0;
        foreach (AudioRingBuffer ring in stuck)
        {
            stuckThreads.Add(new Thread(() => Guard(() =>
            {
                // Writes until the healthy rings are done, so both kinds contend all along.
                var chunk = new byte[256];
                var started = DateTime.UtcNow;
                while (Volatile.Read(ref healthyDone) == 0 && DateTime.UtcNow - started < TimeSpan.FromSeconds(90))
                {
                    ring.Write(chunk);

                    // Contends all along without holding a core the healthy pairs need (two cores, six threads, and
                    // the rest of the suite beside them).
                    Thread.Yield();
                }
            })));
        }

        foreach (AudioRingBuffer ring in healthy)
        {
            threads.Add(new Thread(() => Guard(() =>
            {
                // Paced by its reader, as live audio is: the next chunk once the reader has taken the last one.
                var chunk = new byte[256];
                for (int i = 0; i < Writes; i++)
                {
                    ring.Write(chunk);

                    // Spins and yields, never sleeps: SpinWait's 1 ms sleeps, once per chunk on a loaded machine, set
                    // the pace instead of the ring.
                    var paced = default(SpinWait);
                    while (Unread(ring) != 0)
                    {
                        paced.SpinOnce(sleep1Threshold: -1);
                    }
                }

                ring.CompleteWriter();
            })));
            threads.Add(new Thread(() => Guard(() =>
            {
                // TryRead, not ReadAsync: a woken read's continuation would wait for a thread-pool thread, and with
                // the rest of the suite running the pool's latency, not the ring, would set the pace.
                var spinner = default(SpinWait);
                while (true)
                {
                    if (!ring.TryRead(out ReadResult read))
                    {
                        spinner.SpinOnce(sleep1Threshold: -1);
                        continue;
                    }

                    ring.AdvanceTo(read.Buffer.End);
                    if (read.IsCompleted)
                    {
                        return;
                    }
                }
            })));
        }

        foreach (Thread t in stuckThreads)
        {
            t.IsBackground = true;
            t.Start();
        }

        foreach (Thread t in threads)
        {
            t.IsBackground = true;
            t.Start();
        }

        foreach (Thread t in threads)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(60)), $"a healthy ring's thread never finished: {Describe(healthy)}");
        }

        Volatile.Write(ref healthyDone, 1);
        foreach (Thread t in stuckThreads)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a stuck ring's thread never finished");
        }

        Assert.Null(error);
        foreach (AudioRingBuffer ring in stuck)
        {
            AudioRingBufferStatistics s = ring.GetStatistics();
            Assert.Equal(s.WrittenBytes, s.ConsumedBytes + s.DroppedBytes + s.BufferedBytes + s.HeldBytes);
            Assert.True(s.DroppedChunks > 0);
        }

        foreach (AudioRingBuffer ring in healthy)
        {
            AudioRingBufferStatistics s = ring.GetStatistics();
            Assert.Equal(s.WrittenBytes, s.ConsumedBytes + s.DroppedBytes + s.BufferedBytes + s.HeldBytes);
            Assert.True(s.DroppedChunks < Writes / 2, $"a healthy ring lost {s.DroppedChunks} of {Writes} chunks");
        }

        foreach (AudioRingBuffer ring in stuck)
        {
            ring.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        foreach (AudioRingBuffer ring in healthy)
        {
            ring.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Assert.Equal(0, pool.RentedBlocks);
        Assert.Equal(0, pool.HolderCount);

        void Guard(Action body)
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                error ??= e;
            }
        }
    }

    private static string Describe(AudioRingBuffer[] rings) => string.Join("; ", Array.ConvertAll(rings, r => r.GetStatistics().ToString()));

    private static long Unread(AudioRingBuffer ring)
    {
        AudioRingBufferStatistics s = ring.GetStatistics();
        return s.BufferedBytes + s.HeldBytes;
    }

    private static void Drain(AudioRingBuffer ring)
    {
        while (ring.TryRead(out ReadResult read))
        {
            ring.AdvanceTo(read.Buffer.End);
        }
    }
}
