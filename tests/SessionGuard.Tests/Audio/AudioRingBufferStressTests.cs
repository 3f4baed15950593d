using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Threading;
using SessionGuard.Audio;

namespace SessionGuard.Tests.Audio;

public class AudioRingBufferStressTests
{
    private const int HeaderBytes = 8;

    /// <summary>One producer thread and one reader thread (dedicated threads: no pool thread ever blocks), and a third
    /// that reads the counters all along, so three threads contend for the buffer's lock. Every chunk carries its
    /// sequence number and length, and a payload derived from them, so the reader verifies every byte it consumes; a
    /// sequence jump is allowed only where the buffer reports a gap.</summary>
    [Theory]
    [InlineData(11, 32, 16 * 1024, 256, 0)]
    [InlineData(12, 1000, 256 * 1024, 4096, 0)]
    [InlineData(13, 64, 32 * 1024, 128, 1024)]
    public void Producer_and_reader_on_two_threads_keep_content_and_invariant(int seed, int maxChunks, long maxBytes, int blockSize, int largeBlockSize)
    {
        const int Chunks = 60_000;
        using var pool = new AudioBlockPool(blockSize, blocksPerSlab: 8, name: "stress-" + seed, largeBlockSize: largeBlockSize);
        var ring = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = maxChunks, MaxBytes = maxBytes, MaxChunkBytes = 2048, Pool = pool });
        Exception? producerError = null;
        Exception? readerError = null;
        long evictions = 0;
        var parser = new ChunkParser();
        long heldViews = 0;

        var producer = new Thread(() =>
        {
            try
            {
                var random = new Random(seed);
                var chunk = new byte[2048];
                for (int seq = 0; seq < Chunks; seq++)
                {
                    int length = random.Next(HeaderBytes + 1, chunk.Length + 1);
                    Fill(chunk.AsSpan(0, length), seq);
                    AudioWriteResult result = ring.Write(chunk.AsSpan(0, length));
                    evictions += result.EvictedChunks;
                    if (seq % 500 == 0)
                    {
                        AssertInvariant(ring.GetStatistics());
                    }

                    if (random.Next(64) == 0)
                    {
                        Thread.Yield();
                    }
                }

                ring.CompleteWriter();
            }
            catch (Exception e)
            {
                producerError = e;
                ring.CompleteWriter(e);
            }
        }) { IsBackground = true, Name = "audio-producer" };

        var reader = new Thread(() =>
        {
            try
            {
                var random = new Random(seed + 1000);
                long consumed = 0;
                while (true)
                {
                    ReadResult read = random.Next(4) == 0
                        ? ring.ReadAtLeastAsync(random.Next(1, 8192)).AsTask().GetAwaiter().GetResult()
                        : ring.ReadAsync().AsTask().GetAwaiter().GetResult();

                    // A gap recorded at our offset means the view starts on a chunk boundary after lost audio.
                    if (ring.LastGapOffset == consumed)
                    {
                        parser.Gap();
                    }

                    ReadOnlySequence<byte> buffer = read.Buffer;
                    long take = buffer.Length;
                    // The first view is always held until the producer has lost audio under the caps, so the run
                    // exercises loss while a view is held whatever the thread timing; later views are held at random.
                    int mode = heldViews == 0 ? 0 : random.Next(8);
                    if (mode == 0)
                    {
                        // Hold the view for a while so the producer evicts behind it.
                        heldViews++;
                        if (heldViews == 1)
                        {
                            SpinWait.SpinUntil(() => ring.DroppedChunks > 0, TimeSpan.FromSeconds(30));
                        }
                        else
                        {
                            Thread.SpinWait(random.Next(2000, 20000));
                        }
                    }
                    else if (mode == 1)
                    {
                        take = random.NextInt64(buffer.Length + 1);
                    }

                    foreach (ReadOnlyMemory<byte> segment in buffer.Slice(0, take))
                    {
                        parser.Feed(segment.Span);
                    }

                    consumed += take;
                    if (random.Next(50) == 0)
                    {
                        AssertInvariant(ring.GetStatistics());
                    }

                    bool done = read.IsCompleted && take == buffer.Length;
                    ring.AdvanceTo(buffer.GetPosition(take), buffer.End);
                    if (done)
                    {
                        break;
                    }
                }

                Assert.Equal(consumed, ring.ConsumedBytes);
            }
            catch (Exception e)
            {
                readerError = e;
            }
        }) { IsBackground = true, Name = "audio-reader" };

        Exception? observerError = null;
        long observations = 0;
        var observer = new Thread(() =>
        {
            try
            {
                while (!reader.Join(0))
                {
                    AssertInvariant(ring.GetStatistics());
                    observations++;
                }
            }
            catch (Exception e)
            {
                observerError = e;
            }
        }) { IsBackground = true, Name = "audio-observer" };

        producer.Start();
        reader.Start();
        observer.Start();
        Assert.True(producer.Join(TimeSpan.FromMinutes(2)), "producer did not finish");
        Assert.True(reader.Join(TimeSpan.FromMinutes(2)), "reader did not finish");
        Assert.True(observer.Join(TimeSpan.FromMinutes(1)), "observer did not finish");
        Assert.Null(producerError);
        Assert.Null(readerError);
        Assert.Null(observerError);
        Assert.True(observations > 0);

        AudioRingBufferStatistics s = ring.GetStatistics();
        AssertInvariant(s);
        Assert.Equal(0, s.BufferedBytes);
        Assert.Equal(0, s.HeldBytes);
        Assert.Equal(s.WrittenBytes, s.ConsumedBytes + s.DroppedBytes);
        Assert.Equal(0, s.RentedBlocks);
        Assert.Equal(0, pool.RentedBlocks);
        Assert.True(parser.Chunks > 0);
        Assert.True(parser.LastSeq == Chunks - 1 || s.DroppedChunks > 0);
        if (maxChunks == 32)
        {
            // The small configuration must have lost audio under the caps (the reader holds views on purpose). Whether
            // a loss is an eviction or a drop of the incoming chunk (when the reader holds every stored chunk) depends on
            // thread timing, so only their sum is required here; the seeded model check covers each path exactly.
            Assert.True(heldViews > 0);
            Assert.True(s.DroppedChunks > 0);
            Assert.True(s.DroppedChunks >= evictions);
            Assert.True(s.LastGapOffset >= 0);
        }
    }

    /// <summary>Four rings on four threads share one pool whose budget cannot hold what they buffer, while a fifth
    /// thread trims the pool and reads its counts: every byte read is verified, every ring's counters add up, and once
    /// the rings are drained every block is back in the pool and a trim releases every slab.</summary>
    [Fact]
    public void Rings_on_several_threads_share_one_pool_under_budget_pressure_and_every_block_comes_back()
    {
        const int Workers = 4;
        const int Chunks = 20_000;
        // 64-byte small blocks and 1 KB large ones (a chunk over 256 bytes goes large); a 48 KB budget for rings that
        // may each buffer 16 KB and hold a view besides.
        using var pool = new AudioBlockPool(64, blocksPerSlab: 8, maxBytes: 48 * 1024, name: "shared-stress", largeBlockSize: 1024);
        var rings = new AudioRingBuffer[Workers];
        var errors = new Exception?[Workers];
        var threads = new Thread[Workers];
        var parsers = new ChunkParser[Workers];
        for (int w = 0; w < Workers; w++)
        {
            int worker = w;
            rings[w] = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 64, MaxBytes = 16 * 1024, MaxChunkBytes = 2048, Pool = pool });
            parsers[w] = new ChunkParser();
            threads[w] = new Thread(() =>
            {
                try
                {
                    RunWorker(rings[worker], parsers[worker], new Random(100 + worker), Chunks);
                }
                catch (Exception e)
                {
                    errors[worker] = e;
                }
            }) { IsBackground = true, Name = "ring-" + w };
        }

        using var stop = new CancellationTokenSource();
        Exception? trimmerError = null;
        long trims = 0;
        var trimmer = new Thread(() =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    trims += pool.TrimIdle();
                    Assert.InRange(pool.RentedBlocks, 0, pool.AllocatedBlocks);
                    Assert.InRange(pool.AllocatedBytes, 0, pool.MaxBytes);
                    Thread.Yield();
                }
            }
            catch (Exception e)
            {
                trimmerError = e;
            }
        }) { IsBackground = true, Name = "pool-trimmer" };

        trimmer.Start();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromMinutes(2)), thread.Name + " did not finish");
        }

        stop.Cancel();
        Assert.True(trimmer.Join(TimeSpan.FromMinutes(1)), "the trimmer did not stop");
        Assert.Null(trimmerError);
        Assert.All(errors, Assert.Null);

        long dropped = 0;
        for (int w = 0; w < Workers; w++)
        {
            AudioRingBufferStatistics s = rings[w].GetStatistics();
            AssertInvariant(s);
            Assert.Equal(0, s.BufferedBytes + s.HeldBytes);
            Assert.Equal(0, s.RentedBlocks);
            Assert.True(parsers[w].Chunks > 0);
            dropped += s.DroppedChunks;
        }

        // The budget was too small for what the rings buffered: some audio was evicted or dropped.
        Assert.True(dropped > 0);
        Assert.Equal(0, pool.RentedBlocks);
        Assert.Equal(pool.AllocatedBlocks, pool.FreeBlocks);
        pool.Trim();
        Assert.Equal(0, pool.AllocatedBlocks);
    }

    /// <summary>Writes self-describing chunks of 9 to 2048 bytes and, every 1 to 32 writes, reads on the same thread,
    /// consuming all or a prefix of the view; then completes and drains, verifying every byte read.</summary>
    private static void RunWorker(AudioRingBuffer ring, ChunkParser parser, Random random, int chunks)
    {
        var chunk = new byte[2048];
        long consumed = 0;
        int untilRead = random.Next(1, 33);
        for (int seq = 0; seq < chunks; seq++)
        {
            int length = random.Next(HeaderBytes + 1, chunk.Length + 1);
            Fill(chunk.AsSpan(0, length), seq);
            ring.Write(chunk.AsSpan(0, length));
            if (--untilRead == 0)
            {
                untilRead = random.Next(1, 33);
                if (ring.TryRead(out ReadResult read))
                {
                    consumed += Consume(ring, parser, read, random.Next(4) == 0 ? random.NextInt64(read.Buffer.Length + 1) : read.Buffer.Length, consumed);
                }
            }
        }

        ring.CompleteWriter();
        while (true)
        {
            ReadResult read = ring.ReadAsync().AsTask().GetAwaiter().GetResult();
            consumed += Consume(ring, parser, read, read.Buffer.Length, consumed);
            if (read.IsCompleted)
            {
                break;
            }
        }

        Assert.Equal(consumed, ring.ConsumedBytes);
    }

    private static long Consume(AudioRingBuffer ring, ChunkParser parser, ReadResult read, long take, long consumed)
    {
        if (ring.LastGapOffset == consumed)
        {
            parser.Gap();
        }

        foreach (ReadOnlyMemory<byte> segment in read.Buffer.Slice(0, take))
        {
            parser.Feed(segment.Span);
        }

        ring.AdvanceTo(read.Buffer.GetPosition(take), read.Buffer.End);
        return take;
    }

    /// <summary>A session ends while its audio is still streaming: a third thread disposes the ring at a random moment
    /// while the producer writes chunks of up to 20 KB and the reader reads them. The only exceptions allowed are the
    /// documented ones after disposal; what was read is intact; and once the threads are done the ring's counters add
    /// up and every block is back in the pool.</summary>
    [Fact]
    public void Disposing_while_the_producer_writes_and_the_reader_reads_loses_no_block()
    {
        const int Rounds = 200;
        const int MaxChunk = 20 * 1024;
        using var pool = new AudioBlockPool(1024, blocksPerSlab: 8, name: "dispose-race", largeBlockSize: 8192);
        var random = new Random(21);
        long readBytes = 0;
        for (int round = 0; round < Rounds; round++)
        {
            var ring = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 64, MaxBytes = 256 * 1024, MaxChunkBytes = MaxChunk, Pool = pool });
            int disposed = 0;
            Exception? producerError = null;
            Exception? readerError = null;
            int producerSeed = random.Next();
            int delay = random.Next(0, 200_000);

            var producer = new Thread(() =>
            {
                var chunkRandom = new Random(producerSeed);
                var chunk = new byte[MaxChunk];
                try
                {
                    for (int seq = 0; ; seq++)
                    {
                        int length = chunkRandom.Next(HeaderBytes + 1, MaxChunk + 1);
                        Fill(chunk.AsSpan(0, length), seq);
                        ring.Write(chunk.AsSpan(0, length));
                    }
                }
                catch (InvalidOperationException e) when (Volatile.Read(ref disposed) == 1 && e.Message.StartsWith("Writing is not allowed after the writer was completed", StringComparison.Ordinal))
                {
                    // Writing after disposal: the documented end of a producer's loop.
                }
                catch (Exception e)
                {
                    producerError = e;
                }
            }) { IsBackground = true, Name = "dispose-race-producer" };

            long roundRead = 0;
            var reader = new Thread(() =>
            {
                var parser = new ChunkParser(MaxChunk);
                long consumed = 0;
                try
                {
                    while (true)
                    {
                        ReadResult read = ring.ReadAsync().AsTask().GetAwaiter().GetResult();
                        if (ring.LastGapOffset == consumed)
                        {
                            parser.Gap();
                        }

                        foreach (ReadOnlyMemory<byte> segment in read.Buffer)
                        {
                            parser.Feed(segment.Span);
                        }

                        // Counted before AdvanceTo, which throws once the ring is disposed: what the reader has read
                        // and verified counts even then (Consume counts only what it could advance past).
                        consumed += read.Buffer.Length;
                        ring.AdvanceTo(read.Buffer.End);
                        if (read.IsCompleted)
                        {
                            break;
                        }
                    }
                }
                catch (InvalidOperationException e) when (Volatile.Read(ref disposed) == 1 && e.Message.StartsWith("Reading is not allowed after reader was completed", StringComparison.Ordinal))
                {
                    // Reading or advancing after disposal completed the reader.
                }
                catch (Exception e)
                {
                    readerError = e;
                }

                roundRead = consumed;
            }) { IsBackground = true, Name = "dispose-race-reader" };

            producer.Start();
            reader.Start();
            Thread.SpinWait(delay);
            Volatile.Write(ref disposed, 1);
            Assert.True(ring.DisposeAsync().IsCompletedSuccessfully);
            Assert.True(producer.Join(TimeSpan.FromMinutes(1)), "producer did not stop");
            Assert.True(reader.Join(TimeSpan.FromMinutes(1)), "reader did not stop");
            Assert.Null(producerError);
            Assert.Null(readerError);

            AudioRingBufferStatistics s = ring.GetStatistics();
            AssertInvariant(s);
            Assert.Equal(0, s.BufferedBytes + s.HeldBytes);
            Assert.Equal(0, s.RentedBlocks);
            Assert.Equal(0, pool.RentedBlocks);
            readBytes += roundRead;
        }

        Assert.True(readBytes > 0);
        Assert.Equal(pool.AllocatedBlocks, pool.FreeBlocks);
    }

    private static void AssertInvariant(AudioRingBufferStatistics s)
    {
        Assert.Equal(s.WrittenBytes, s.ConsumedBytes + s.DroppedBytes + s.BufferedBytes + s.HeldBytes);
    }

    internal static void Fill(Span<byte> chunk, int seq)
    {
        BinaryPrimitives.WriteInt32LittleEndian(chunk, seq);
        BinaryPrimitives.WriteInt32LittleEndian(chunk.Slice(4), chunk.Length);
        for (int i = HeaderBytes; i < chunk.Length; i++)
        {
            chunk[i] = Payload(seq, i);
        }
    }

    private static byte Payload(int seq, int i) => (byte)((seq * 7) + (i * 13) + (i >> 8));

    /// <summary>Verifies a stream of self-describing chunks byte by byte.</summary>
    private sealed class ChunkParser
    {
        public ChunkParser(int maxLength = 2048) => _maxLength = maxLength;

        private readonly byte[] _header = new byte[HeaderBytes];
        private readonly int _maxLength;
        private int _pos;
        private int _seq;
        private int _length;
        private bool _afterGap = true;

        public int LastSeq { get; private set; } = -1;

        public long Chunks { get; private set; }

        public void Gap()
        {
            _pos = 0;
            _afterGap = true;
        }

        public void Feed(ReadOnlySpan<byte> bytes)
        {
            foreach (byte b in bytes)
            {
                if (_pos < HeaderBytes)
                {
                    _header[_pos++] = b;
                    if (_pos == HeaderBytes)
                    {
                        _seq = BinaryPrimitives.ReadInt32LittleEndian(_header);
                        _length = BinaryPrimitives.ReadInt32LittleEndian(_header.AsSpan(4));
                        Assert.InRange(_length, HeaderBytes + 1, _maxLength);
                        if (_afterGap)
                        {
                            Assert.True(_seq > LastSeq, $"sequence went back from {LastSeq} to {_seq}");
                        }
                        else
                        {
                            Assert.Equal(LastSeq + 1, _seq);
                        }

                        _afterGap = false;
                    }

                    continue;
                }

                Assert.Equal(Payload(_seq, _pos), b);
                _pos++;
                if (_pos == _length)
                {
                    LastSeq = _seq;
                    Chunks++;
                    _pos = 0;
                }
            }
        }
    }
}
