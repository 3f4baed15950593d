using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Linq;
using System.Threading.Tasks;
using SessionGuard.Audio;

namespace SessionGuard.Tests.Audio;

public class AudioRingBufferBehaviourTests
{
    private static AudioRingBuffer Ring(int maxChunks = 1000, long maxBytes = 10 << 20, int maxChunkBytes = 1024, OversizeChunkPolicy policy = OversizeChunkPolicy.Reject)
        => new(new AudioRingBufferOptions { MaxChunks = maxChunks, MaxBytes = maxBytes, MaxChunkBytes = maxChunkBytes, OversizeChunk = policy, Pool = new AudioBlockPool(64, 8, name: "behaviour") });

    private static byte[] Chunk(byte value, int length) => Enumerable.Repeat(value, length).ToArray();

    [Theory]
    [InlineData(0, 100, 10, "MaxChunks")]
    [InlineData(10, 100, 0, "MaxChunkBytes")]
    [InlineData(10, 5, 10, "MaxBytes")]
    public void Invalid_options_throw_naming_the_option(int maxChunks, long maxBytes, int maxChunkBytes, string option)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = maxChunks, MaxBytes = maxBytes, MaxChunkBytes = maxChunkBytes }));
        Assert.Equal(option, e.ParamName);
    }

    [Fact]
    public void An_invalid_policy_throws_naming_it()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AudioRingBuffer(new AudioRingBufferOptions { OversizeChunk = (OversizeChunkPolicy)7 }));
        Assert.Equal("OversizeChunk", e.ParamName);
    }

    [Theory]
    [InlineData(63, 4, 1L << 20, "blockSize")]
    [InlineData(64, 0, 1L << 20, "blocksPerSlab")]
    [InlineData(64, 4, 255, "maxBytes")]
    public void Invalid_pool_arguments_throw_naming_them(int blockSize, int blocksPerSlab, long maxBytes, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AudioBlockPool(blockSize, blocksPerSlab, maxBytes));
        Assert.Equal(name, e.ParamName);
    }

    [Theory]
    [InlineData(64, 4, 1L << 20, 100, "largeBlockSize")]
    [InlineData(64, 4, 1L << 20, -1, "largeBlockSize")]
    [InlineData(64, 4, 1000, 1024, "maxBytes")]
    public void Invalid_large_block_arguments_throw_naming_them(int blockSize, int blocksPerSlab, long maxBytes, int largeBlockSize, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AudioBlockPool(blockSize, blocksPerSlab, maxBytes, largeBlockSize: largeBlockSize));
        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public void Defaults_are_1000_chunks_10_MB_64_KB_reject_and_the_shared_pool()
    {
        var options = new AudioRingBufferOptions();
        Assert.Equal(1000, options.MaxChunks);
        Assert.Equal(10L * 1024 * 1024, options.MaxBytes);
        Assert.Equal(64 * 1024, options.MaxChunkBytes);
        Assert.Equal(OversizeChunkPolicy.Reject, options.OversizeChunk);
        Assert.Null(options.Pool);
        Assert.Same(AudioBlockPool.Shared, AudioBlockPool.Shared);
    }

    [Fact]
    public void An_oversize_chunk_is_rejected_and_nothing_is_lost()
    {
        var ring = Ring(maxChunkBytes: 100);
        ring.Write(Chunk(1, 50));
        var e = Assert.Throws<ArgumentException>(() => ring.Write(Chunk(2, 101)));
        Assert.Equal("chunk", e.ParamName);
        Assert.Contains("MaxChunkBytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(50, ring.WrittenBytes);
        Assert.Equal(50, ring.BufferedBytes);
        Assert.Equal(0, ring.DroppedBytes);
    }

    [Fact]
    public void An_oversize_chunk_is_truncated_under_Truncate()
    {
        var ring = Ring(maxChunkBytes: 100, policy: OversizeChunkPolicy.Truncate);
        Assert.Equal(new AudioWriteResult(100, 0, 0, false, 30), ring.Write(Chunk(2, 130)));
        Assert.True(ring.TryRead(out ReadResult r));
        Assert.Equal(Chunk(2, 100), r.Buffer.ToArray());
    }

    [Fact]
    public void The_chunk_cap_evicts_the_oldest_whole_chunks()
    {
        var ring = Ring(maxChunks: 3);
        for (byte i = 1; i <= 5; i++)
        {
            ring.Write(Chunk(i, 10));
        }

        Assert.Equal(3, ring.BufferedChunks);
        Assert.Equal(2, ring.DroppedChunks);
        Assert.True(ring.TryRead(out ReadResult r));
        Assert.Equal(Chunk(3, 10).Concat(Chunk(4, 10)).Concat(Chunk(5, 10)), r.Buffer.ToArray());
        Assert.Equal(0, ring.LastGapOffset);
    }

    [Fact]
    public void The_byte_cap_evicts_until_the_new_chunk_fits()
    {
        var ring = Ring(maxBytes: 1024, maxChunkBytes: 1024);
        ring.Write(Chunk(1, 400));
        ring.Write(Chunk(2, 400));
        AudioWriteResult result = ring.Write(Chunk(3, 1000));
        Assert.Equal(new AudioWriteResult(1000, 2, 800, false, 0), result);
        Assert.Equal(1000, ring.BufferedBytes);
    }

    [Fact]
    public void A_partial_advance_is_seen_by_every_counter_and_frees_its_blocks_at_the_next_call()
    {
        using var pool = new AudioBlockPool(64, 8, name: "posted");
        var ring = new AudioRingBuffer(new AudioRingBufferOptions { Pool = pool, MaxChunkBytes = 256 });
        ring.Write(new byte[200]);
        ring.Write(new byte[50]);
        Assert.True(ring.TryRead(out ReadResult read));
        Assert.Equal(4, pool.RentedBlocks);

        // Keep the last 50 bytes: the first three blocks (bytes 0-191) are finished with.
        ring.AdvanceTo(read.Buffer.GetPosition(200));
        AudioRingBufferStatistics s = ring.GetStatistics();
        Assert.Equal(200, s.ConsumedBytes);
        Assert.Equal(50, s.BufferedBytes);
        Assert.Equal(0, s.HeldBytes);
        Assert.Equal(1, s.BufferedChunks);
        Assert.Equal(s.WrittenBytes, s.ConsumedBytes + s.DroppedBytes + s.BufferedBytes + s.HeldBytes);

        Assert.Throws<InvalidOperationException>(() => ring.AdvanceTo(read.Buffer.End));

        // The three stay as spares (at most what a write needed, four, plus one), and the next write uses them:
        // 150 bytes after the 6 left in the tail block take three blocks, none from the pool.
        Assert.Equal(4, pool.RentedBlocks);
        ring.Write(new byte[150]);
        Assert.Equal(4, pool.RentedBlocks);
        Assert.Equal(200, ring.BufferedBytes);
        Assert.True(ring.TryRead(out read));
        ring.AdvanceTo(read.Buffer.End);
        Assert.Equal(0, pool.RentedBlocks);
    }

    [Fact]
    public void Audio_held_by_the_reader_is_not_evicted_and_the_rest_of_the_view_is_dropped_at_AdvanceTo()
    {
        var ring = Ring(maxChunks: 3);
        ring.Write(Chunk(1, 10));
        ring.Write(Chunk(2, 10));
        Assert.True(ring.TryRead(out ReadResult view));

        // Two more chunks: the cap (3) forces an eviction, which must take chunk 3, not the held 1 and 2.
        ring.Write(Chunk(3, 10));
        AudioWriteResult result = ring.Write(Chunk(4, 10));
        Assert.Equal(new AudioWriteResult(10, 1, 10, false, 0), result);
        Assert.Equal(Chunk(1, 10).Concat(Chunk(2, 10)), view.Buffer.ToArray());

        // Consume 5 bytes: the other 15 of the view are dropped, so the next read is not a hole in the middle.
        ring.AdvanceTo(view.Buffer.GetPosition(5));
        Assert.Equal(5, ring.ConsumedBytes);
        Assert.Equal(25, ring.DroppedBytes);
        Assert.Equal(3, ring.DroppedChunks);
        Assert.Equal(5, ring.LastGapOffset);
        Assert.True(ring.TryRead(out ReadResult next));
        Assert.Equal(Chunk(4, 10), next.Buffer.ToArray());
    }

    [Fact]
    public void A_chunk_is_dropped_when_the_reader_holds_everything_the_caps_allow()
    {
        var ring = Ring(maxChunks: 2);
        ring.Write(Chunk(1, 10));
        ring.Write(Chunk(2, 10));
        Assert.True(ring.TryRead(out ReadResult view));
        AudioWriteResult result = ring.Write(Chunk(3, 10));
        Assert.True(result.Dropped);
        Assert.Equal(0, result.Written);
        ring.AdvanceTo(view.Buffer.End);
        Assert.Equal(20, ring.ConsumedBytes);
        Assert.Equal(10, ring.DroppedBytes);
        Assert.Equal(20, ring.LastGapOffset);
    }

    [Fact]
    public void Writing_after_CompleteWriter_throws()
    {
        var ring = Ring();
        ring.CompleteWriter();
        Assert.Throws<InvalidOperationException>(() => ring.Write(Chunk(1, 1)));
    }

    [Fact]
    public void Writing_after_the_reader_completed_drops_and_counts()
    {
        var ring = Ring();
        ring.Write(Chunk(1, 10));
        ring.Complete();
        Assert.True(ring.Write(Chunk(1, 10)).Dropped);
        Assert.Equal(20, ring.DroppedBytes);
        Assert.Equal(20, ring.WrittenBytes);
    }

    [Fact]
    public async Task ReadAtLeastAsync_wakes_once_per_frame_not_per_chunk()
    {
        var ring = Ring();
        ValueTask<ReadResult> frame = ring.ReadAtLeastAsync(3200);
        for (int i = 0; i < 4; i++)
        {
            ring.Write(Chunk((byte)i, 640));
            Assert.False(frame.IsCompleted);
        }

        ring.Write(Chunk(4, 640));
        ReadResult r = await frame;
        Assert.Equal(3200, r.Buffer.Length);
        Assert.False(r.Buffer.IsSingleSegment);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.ReadAtLeastAsync(11 << 20));
    }

    /// <summary>Four 640 B chunks at most never make 3200 B, nor three 300 B chunks 1000 B: the read completes with
    /// what is buffered when the ring starts losing unread audio, rather than wait forever while it drops.</summary>
    [Theory]
    [InlineData(4, 10 << 20, 640, 3200, 4)]
    [InlineData(1000, 1000, 300, 1000, 3)]
    public async Task ReadAtLeastAsync_takes_what_is_buffered_when_the_caps_make_the_minimum_unreachable(int maxChunks, long maxBytes, int chunk, int minimum, int fit)
    {
        var ring = Ring(maxChunks, maxBytes, maxChunkBytes: chunk);
        ValueTask<ReadResult> read = ring.ReadAtLeastAsync(minimum);
        for (int i = 0; i < fit; i++)
        {
            ring.Write(Chunk((byte)i, chunk));
            Assert.False(read.IsCompleted);
        }

        AudioWriteResult evicting = ring.Write(Chunk((byte)fit, chunk));
        Assert.Equal(1, evicting.EvictedChunks);
        Assert.True(read.IsCompleted, "the read still waits for a minimum the caps never let the ring hold");
        ReadResult r = await read;
        Assert.Equal(fit * chunk, r.Buffer.Length);
        Assert.Equal(1, r.Buffer.FirstSpan[0]);
        Assert.False(r.IsCompleted);
        Assert.False(r.IsCanceled);
        ring.AdvanceTo(r.Buffer.End);

        // The next read waits for its whole minimum again, until audio is lost again.
        ValueTask<ReadResult> next = ring.ReadAtLeastAsync(minimum);
        ring.Write(Chunk(9, chunk));
        Assert.False(next.IsCompleted);
    }

    [Fact]
    public async Task ReadAtLeastAsync_takes_what_is_buffered_when_the_pool_has_no_block_for_more()
    {
        using var pool = new AudioBlockPool(1024, blocksPerSlab: 1, maxBytes: 1024, name: "one-block");
        var ring = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 100, MaxBytes = 100_000, MaxChunkBytes = 1024, Pool = pool });
        ValueTask<ReadResult> read = ring.ReadAtLeastAsync(2048);
        Assert.False(ring.Write(Chunk(1, 640)).Dropped);
        Assert.False(read.IsCompleted);

        // The second chunk needs a second block: the ring gives back its own oldest audio (all of it), and the block
        // goes back to the pool only once the write is done, so the chunk is dropped. Nothing is left to hand over.
        AudioWriteResult second = ring.Write(Chunk(2, 640));
        Assert.True(second.Dropped);
        Assert.Equal(1, second.EvictedChunks);
        Assert.False(read.IsCompleted);

        // The ring has lost unread audio while the read waited: the next chunk completes it, 640 B short of 2048.
        Assert.False(ring.Write(Chunk(3, 640)).Dropped);
        Assert.True(read.IsCompleted, "the read still waits for a minimum the pool never lets the ring hold");
        ReadResult r = await read;
        Assert.Equal(640, r.Buffer.Length);
        Assert.Equal(3, r.Buffer.FirstSpan[0]);
        ring.AdvanceTo(r.Buffer.End);
        await ring.DisposeAsync();
        Assert.Equal(0, pool.RentedBlocks);
    }

    [Fact]
    public async Task AdvanceTo_with_a_position_from_another_sequence_throws_InvalidOperationException_and_changes_nothing()
    {
        var ring = Ring();
        ring.Write(Chunk(1, 100));
        ReadResult r = await ring.ReadAsync();
        var array = new ReadOnlySequence<byte>(new byte[100]);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[10]);
        ReadResult other = await pipe.Reader.ReadAsync();

        foreach (SequencePosition foreign in new[] { array.GetPosition(5), new SequencePosition(new object(), 5), other.Buffer.End })
        {
            var e = Assert.Throws<InvalidOperationException>(() => ring.AdvanceTo(foreign));
            Assert.Contains("not within the data returned by the last read", e.Message);
            Assert.Equal(100, ring.HeldBytes);
        }

        ring.AdvanceTo(r.Buffer.GetPosition(40));
        Assert.Equal(0, ring.HeldBytes);
        Assert.Equal(60, ring.BufferedBytes);
        Assert.Equal(40, ring.ConsumedBytes);
    }
}
