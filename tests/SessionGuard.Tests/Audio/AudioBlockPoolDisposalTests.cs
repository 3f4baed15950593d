using System;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.Audio;

namespace SessionGuard.Tests.Audio;

/// <summary>Disposing an <see cref="AudioBlockPool"/> that rings still use: the rings keep working on the blocks they
/// hold, drop cleanly what needs more, and every block is released once returned.</summary>
public class AudioBlockPoolDisposalTests
{
    [Fact]
    public async Task A_ring_writing_after_its_pool_was_disposed_reuses_its_blocks_or_drops_and_returns_them_all()
    {
        var pool = new AudioBlockPool(64, blocksPerSlab: 4, name: "disposed-under-ring");
        var ring = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 100, MaxBytes = 10_000, MaxChunkBytes = 64, Pool = pool });
        for (byte i = 0; i < 3; i++)
        {
            Assert.False(ring.Write(Chunk(i, 64)).Dropped);
        }

        pool.Dispose();

        // The pool serves no block: each write evicts the ring's own oldest chunk to reuse its block.
        AudioWriteResult write = ring.Write(Chunk(3, 64));
        Assert.Equal(new AudioWriteResult(64, 1, 64, false, 0), write);
        AssertInvariant(ring.GetStatistics());

        // The reader holds all of it: nothing is left to evict, so the next chunk is dropped and counted.
        ReadResult read = await ring.ReadAsync();
        Assert.Equal(new byte[] { 1, 2, 3 }, new[] { read.Buffer.Slice(0, 1).FirstSpan[0], read.Buffer.Slice(64, 1).FirstSpan[0], read.Buffer.Slice(128, 1).FirstSpan[0] });
        AudioWriteResult dropped = ring.Write(Chunk(4, 64));
        Assert.True(dropped.Dropped);
        AssertInvariant(ring.GetStatistics());
        ring.AdvanceTo(read.Buffer.End);

        // Drained: every block went back, and the disposed pool released it.
        Assert.Equal(0, ring.GetStatistics().RentedBlocks);
        Assert.Equal(0, pool.RentedBlocks);
        Assert.Equal(0, pool.AllocatedBlocks);
        await ring.DisposeAsync();
    }

    [Fact]
    public void A_ring_cannot_be_created_on_a_disposed_pool()
    {
        var pool = new AudioBlockPool(64, blocksPerSlab: 4, name: "already-disposed");
        pool.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => new AudioRingBuffer(new AudioRingBufferOptions { Pool = pool, MaxChunkBytes = 64 }));
        Assert.Contains("AudioRingBufferOptions.Pool", e.Message);
        Assert.Contains("already-disposed", e.Message);
    }

    /// <summary>A producer and a reader on their own threads while a third disposes the pool at a random moment, over
    /// many rings: no call throws, the counters add up, and every block is released once the ring is disposed.</summary>
    [Fact]
    public void Disposing_the_pool_while_rings_write_and_read_breaks_no_invariant_and_strands_no_block()
    {
        var random = new Random(31);
        for (int round = 0; round < 150; round++)
        {
            var pool = new AudioBlockPool(256, blocksPerSlab: 4, maxBytes: 256 * 4 * 4, name: "dispose-race-" + round);
            var ring = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 32, MaxBytes = 16 * 1024, MaxChunkBytes = 2048, Pool = pool });
            int seed = random.Next();
            Exception? error = null;
            using var go = new Barrier(3);

            var producer = new Thread(() =>
            {
                var rnd = new Random(seed);
                var chunk = new byte[2048];
                go.SignalAndWait();
                try
                {
                    for (int i = 0; i < 3000; i++)
                    {
                        ring.Write(chunk.AsSpan(0, rnd.Next(1, chunk.Length + 1)));
                        if (i % 200 == 0)
                        {
                            AssertInvariant(ring.GetStatistics());
                        }
                    }

                    ring.CompleteWriter();
                }
                catch (Exception e)
                {
                    error ??= e;
                    ring.CompleteWriter();
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
                        ring.AdvanceTo(read.Buffer.GetPosition(rnd.Next(2) == 0 ? length : length / 2), read.Buffer.End);
                        if (read.IsCompleted)
                        {
                            break;
                        }
                    }

                    ring.Complete();
                }
                catch (Exception e)
                {
                    error ??= e;
                }
            }) { IsBackground = true };

            var disposer = new Thread(() =>
            {
                var rnd = new Random(seed + 2);
                go.SignalAndWait();
                Thread.SpinWait(rnd.Next(50_000));
                pool.Dispose();
            }) { IsBackground = true };

            producer.Start();
            reader.Start();
            disposer.Start();
            Assert.True(producer.Join(TimeSpan.FromSeconds(60)), $"round {round}: the producer never finished");
            Assert.True(reader.Join(TimeSpan.FromSeconds(60)), $"round {round}: the reader never finished");
            Assert.True(disposer.Join(TimeSpan.FromSeconds(60)), $"round {round}: the disposal never returned");
            Assert.Null(error);

            AssertInvariant(ring.GetStatistics());
            ring.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Assert.Equal(0, pool.RentedBlocks);
            Assert.Equal(0, pool.AllocatedBlocks);
        }
    }

    private static byte[] Chunk(byte value, int length)
    {
        var chunk = new byte[length];
        chunk.AsSpan().Fill(value);
        return chunk;
    }

    private static void AssertInvariant(AudioRingBufferStatistics s) =>
        Assert.Equal(s.WrittenBytes, s.ConsumedBytes + s.DroppedBytes + s.BufferedBytes + s.HeldBytes);
}
