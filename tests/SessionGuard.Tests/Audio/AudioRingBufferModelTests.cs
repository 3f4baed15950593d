using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Linq;
using System.Threading.Tasks;
using SessionGuard.Audio;

namespace SessionGuard.Tests.Audio;

/// <summary>A seeded randomized check of <see cref="AudioRingBuffer"/> against <see cref="RingModel"/>, a list of
/// byte arrays with no blocks, addresses or pooling.</summary>
public class AudioRingBufferModelTests
{
    public static TheoryData<int, int, long, int, int, int, long, int> Configurations => new()
    {
        // seed, maxChunks, maxBytes, maxChunkBytes, blockSize, largeBlockSize (0: none), pool budget (0: 1 GiB), operations
        { 1, 4, 1000, 300, 64, 0, 0, 250_000 },
        { 2, 16, 4096, 1024, 256, 0, 0, 250_000 },
        { 3, 1, 64, 64, 64, 0, 0, 150_000 },
        { 4, 1000, 6_000, 700, 128, 0, 0, 200_000 },
        { 5, 8, 100_000, 5000, 1024, 0, 0, 150_000 },

        // Two block sizes: chunks over 4 blocks (256 B, 512 B) go to large blocks, so one chain mixes both sizes.
        { 6, 16, 8_000, 1500, 64, 512, 0, 200_000 },
        { 7, 1000, 20_000, 3000, 128, 2048, 0, 200_000 },

        // Chunks up to 20 KB (a second of 16 kHz 16-bit audio is 32 KB), many of them 8 KB or longer, in 1 KB and
        // 8 KB blocks.
        { 8, 32, 200_000, 20_000, 1024, 8192, 0, 60_000 },

        // A pool smaller than the caps: writes evict more than the caps ask for, or are dropped, for want of blocks
        // (down to a pool of one block, where a write can evict everything and still be dropped).
        { 9, 16, 4096, 300, 64, 0, 64 * 8 * 2, 200_000 },
        { 10, 1, 4096, 1024, 1024, 0, 1024, 150_000 },
        { 11, 1000, 20_000, 3000, 128, 1024, 1024 * 8 * 2, 150_000 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Random_operations_match_the_reference_model(int seed, int maxChunks, long maxBytes, int maxChunkBytes, int blockSize, int largeBlockSize, long poolBytes, int operations)
    {
        var random = new Random(seed);
        bool tightPool = poolBytes != 0;
        int blocksPerSlab = tightPool ? (int)Math.Min(8, poolBytes / blockSize) : 8;
        using var pool = new AudioBlockPool(blockSize, blocksPerSlab, maxBytes: tightPool ? poolBytes : 1L << 30, name: "model-" + seed, largeBlockSize: largeBlockSize);
        var stats = new OperationStats { TightPool = tightPool };
        int rings = 0;
        int done = 0;
        while (done < operations)
        {
            var policy = random.Next(2) == 0 ? OversizeChunkPolicy.Reject : OversizeChunkPolicy.Truncate;
            var options = new AudioRingBufferOptions { MaxChunks = maxChunks, MaxBytes = maxBytes, MaxChunkBytes = maxChunkBytes, OversizeChunk = policy, Pool = pool };
            done += RunOneRing(random, options, Math.Min(operations - done, 20_000), stats);
            rings++;
            Assert.Equal(0, pool.RentedBlocks);
        }

        // The run exercised what it claims to.
        Assert.True(rings > 1);
        Assert.True(largeBlockSize == 0 || pool.AllocatedBytes > pool.AllocatedBlocks * blockSize, "no large block");
        Assert.True(stats.Evictions > 0, "no eviction");
        Assert.True(maxChunks == 1 || stats.EvictionsWhileHolding > 0, "no eviction while a view was held");
        Assert.True(stats.PartialAdvances > 0, "no partial AdvanceTo");
        Assert.True(stats.Oversize > 0, "no oversize chunk");
        Assert.True(stats.PendingCompleted > 0, "no pending read completed by a write");
        Assert.True(stats.Completions > 0, "no completion");
        Assert.True(stats.EmptyViews > 0, "no empty view");
        Assert.True(stats.WokenThenWritten > 0, "no write between a read's wake and its result");
        Assert.True(!tightPool || stats.PoolLimited > 0, "the pool never limited a write");
    }

    private sealed class OperationStats
    {
        public bool TightPool;
        public int EmptyViews;
        public int WokenThenWritten;
        public int PoolLimited;
        public int Evictions;
        public int EvictionsWhileHolding;
        public int PartialAdvances;
        public int Oversize;
        public int PendingCompleted;
        public int Completions;
    }

    /// <summary>Writes to both. With a tight pool the ring may evict more, or drop, for want of blocks: the model
    /// checks that what the ring did is allowed and follows it.</summary>
    private static AudioWriteResult WriteBoth(AudioRingBuffer ring, RingModel model, byte[] chunk, OperationStats stats)
    {
        AudioWriteResult actual = ring.Write(chunk);
        RingModel.WriteOutcome expected = model.Write(chunk, stats.TightPool ? actual : null);
        Assert.Null(expected.Throws);
        Assert.Equal(expected.Result, actual);
        if (expected.PoolLimited)
        {
            stats.PoolLimited++;
        }

        return actual;
    }

    private static int RunOneRing(Random random, AudioRingBufferOptions options, int budget, OperationStats stats)
    {
        var ring = new AudioRingBuffer(options);
        var model = new RingModel(options.MaxChunks, options.MaxBytes, options.MaxChunkBytes, options.OversizeChunk);
        ReadResult view = default;
        byte[]? viewBytes = null;
        byte next = 0;
        int ops = 0;
        int maxWrite = options.MaxChunkBytes + (options.MaxChunkBytes / 4) + 1;
        for (; ops < budget; ops++)
        {
            int dice = random.Next(1000);
            if (dice < 520)
            {
                int length = random.Next(20) == 0 ? random.Next(options.MaxChunkBytes + 1, maxWrite + 1) : random.Next(0, Math.Min(maxWrite, options.MaxChunkBytes + 1));
                var chunk = new byte[length];
                for (int i = 0; i < length; i++)
                {
                    chunk[i] = next++;
                }

                if (length > options.MaxChunkBytes)
                {
                    stats.Oversize++;
                }

                Type? throws = model.WriteThrows(chunk);
                if (throws is not null)
                {
                    Exception e = Assert.ThrowsAny<Exception>(() => ring.Write(chunk));
                    Assert.Equal(throws, e.GetType());
                }
                else
                {
                    bool heldBefore = model.Holding && model.HeldBytes > 0;
                    AudioWriteResult actual = WriteBoth(ring, model, chunk, stats);
                    if (actual.EvictedChunks > 0)
                    {
                        stats.Evictions++;
                        if (heldBefore)
                        {
                            stats.EvictionsWhileHolding++;
                        }
                    }
                }
            }
            else if (dice < 800)
            {
                if (model.Holding)
                {
                    // Advance within the view: often all of it, sometimes a prefix, examined at or after consumed.
                    int length = viewBytes!.Length;
                    int consumed = random.Next(3) switch { 0 => length, 1 => 0, _ => random.Next(length + 1) };
                    int examined = random.Next(2) == 0 ? length : random.Next(consumed, length + 1);
                    if (consumed < length && consumed > 0)
                    {
                        stats.PartialAdvances++;
                    }

                    ring.AdvanceTo(view.Buffer.GetPosition(consumed), view.Buffer.GetPosition(examined));
                    model.AdvanceTo(consumed, examined);
                    view = default;
                    viewBytes = null;
                }
                else if (model.ReaderCompleted)
                {
                    Assert.Throws<InvalidOperationException>(() => ring.TryRead(out _));
                }
                else if (random.Next(4) == 0)
                {
                    // An asynchronous read: complete now, or pending until a write makes it complete.
                    int minimum = random.Next(3) == 0 ? random.Next(1, (int)Math.Min(options.MaxBytes, 3000) + 1) : 0;
                    ValueTask<ReadResult> read = minimum == 0 ? ring.ReadAsync() : ring.ReadAtLeastAsync(minimum);
                    RingModel.ReadOutcome? expected = model.TryRead(minimum);
                    int guard = 0;
                    bool woken = false;
                    if (expected is null)
                    {
                        model.Wait(minimum);
                    }

                    while (expected is null)
                    {
                        Assert.False(read.IsCompleted);
                        if (guard++ > 50 || random.Next(8) == 0)
                        {
                            ring.CancelPendingRead();
                            model.CancelPendingRead();
                        }
                        else
                        {
                            var chunk = new byte[random.Next(1, options.MaxChunkBytes + 1)];
                            for (int i = 0; i < chunk.Length; i++)
                            {
                                chunk[i] = next++;
                            }

                            WriteBoth(ring, model, chunk, stats);
                        }

                        woken = model.PendingReady;
                        if (woken)
                        {
                            stats.PendingCompleted++;
                            if (!model.WriterCompleted && random.Next(4) == 0)
                            {
                                // The read was woken; one more write runs before the reader takes its result, which
                                // holds everything buffered then (possibly nothing: that write evicted what woke it).
                                var more = new byte[random.Next(1, options.MaxChunkBytes + 1)];
                                for (int i = 0; i < more.Length; i++)
                                {
                                    more[i] = next++;
                                }

                                WriteBoth(ring, model, more, stats);
                                stats.WokenThenWritten++;
                            }

                            expected = model.Take();
                        }
                    }

                    Assert.True(read.IsCompleted);
                    view = read.Result;
                    viewBytes = Check(expected.Value, view);
                    stats.EmptyViews += viewBytes.Length == 0 ? 1 : 0;
                }
                else
                {
                    bool got = ring.TryRead(out ReadResult result);
                    RingModel.ReadOutcome? expected = model.TryRead(0);
                    Assert.Equal(expected is not null, got);
                    if (got)
                    {
                        view = result;
                        viewBytes = Check(expected!.Value, view);
                        stats.EmptyViews += viewBytes.Length == 0 ? 1 : 0;
                    }
                }
            }
            else if (dice < 830)
            {
                if (!model.ReaderCompleted)
                {
                    ring.CancelPendingRead();
                    model.CancelPendingRead();
                }
            }
            else if (dice < 833)
            {
                ring.CompleteWriter();
                model.CompleteWriter();
                stats.Completions++;
            }
            else if (dice < 835)
            {
                ring.Complete();
                model.CompleteReader();
                view = default;
                viewBytes = null;
                stats.Completions++;
                AssertCounters(model, ring);
                Assert.Equal(0, ring.GetStatistics().RentedBlocks);
                break;
            }

            AssertCounters(model, ring);
            if (model.WriterCompleted && !model.Holding && model.BufferedBytes == 0)
            {
                break;
            }
        }

        if (model.Holding)
        {
            ring.AdvanceTo(view.Buffer.End);
            model.AdvanceTo(viewBytes!.Length, viewBytes.Length);
        }

        // Drain to empty: every block goes back to the pool.
        if (!model.ReaderCompleted)
        {
            ring.CompleteWriter();
            model.CompleteWriter();
            while (ring.TryRead(out ReadResult rest))
            {
                RingModel.ReadOutcome expected = model.TryRead(0)!.Value;
                byte[] bytes = Check(expected, rest);
                ring.AdvanceTo(rest.Buffer.End);
                model.AdvanceTo(bytes.Length, bytes.Length);
                if (model.BufferedBytes == 0)
                {
                    break;
                }
            }

            AssertCounters(model, ring);
            Assert.Equal(0, ring.GetStatistics().RentedBlocks);
        }

        ring.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return ops + 1;
    }

    private static byte[] Check(RingModel.ReadOutcome expected, ReadResult actual)
    {
        byte[] bytes = actual.Buffer.ToArray();
        Assert.Equal(expected.Data, bytes);
        Assert.Equal(expected.IsCanceled, actual.IsCanceled);
        Assert.Equal(expected.IsCompleted, actual.IsCompleted);
        return bytes;
    }

    private static void AssertCounters(RingModel model, AudioRingBuffer ring)
    {
        AudioRingBufferStatistics s = ring.GetStatistics();
        Assert.Equal(model.Written, s.WrittenBytes);
        Assert.Equal(model.Consumed, s.ConsumedBytes);
        Assert.Equal(model.Dropped, s.DroppedBytes);
        Assert.Equal(model.DroppedChunks, s.DroppedChunks);
        Assert.Equal(model.BufferedBytes, s.BufferedBytes);
        Assert.Equal(model.BufferedChunks, s.BufferedChunks);
        Assert.Equal(model.HeldBytes, s.HeldBytes);
        Assert.Equal(model.HeldChunks, s.HeldChunks);
        Assert.Equal(model.LastGap, s.LastGapOffset);
        Assert.Equal(s.WrittenBytes, s.ConsumedBytes + s.DroppedBytes + s.BufferedBytes + s.HeldBytes);
        if (s.BufferedBytes == 0 && s.HeldBytes == 0)
        {
            Assert.Equal(0, s.RentedBlocks);
        }
    }
}

/// <summary>The reference: chunks as byte arrays in a list, the rules of the contract and nothing else.</summary>
internal sealed class RingModel
{
    private readonly int _maxChunks;
    private readonly long _maxBytes;
    private readonly int _maxChunkBytes;
    private readonly OversizeChunkPolicy _policy;
    private readonly List<(byte[] Data, int Offset)> _chunks = new();
    private bool _gapDuringHold;
    private bool _writtenSinceRead;
    private bool _waitForNew;
    private bool _cancelNext;
    private int _viewLength;

    public RingModel(int maxChunks, long maxBytes, int maxChunkBytes, OversizeChunkPolicy policy)
    {
        _maxChunks = maxChunks;
        _maxBytes = maxBytes;
        _maxChunkBytes = maxChunkBytes;
        _policy = policy;
    }

    public long Written { get; private set; }

    public long Consumed { get; private set; }

    public long Dropped { get; private set; }

    public long DroppedChunks { get; private set; }

    public long LastGap { get; private set; } = -1;

    public bool Holding { get; private set; }

    public int HeldChunks { get; private set; }

    public long HeldBytes { get; private set; }

    public bool WriterCompleted { get; private set; }

    public bool ReaderCompleted { get; private set; }

    public int BufferedChunks => _chunks.Count - HeldChunks;

    public long BufferedBytes => Remaining(HeldChunks, _chunks.Count);

    private long Remaining(int from, int to)
    {
        long sum = 0;
        for (int i = from; i < to; i++)
        {
            sum += _chunks[i].Data.Length - _chunks[i].Offset;
        }

        return sum;
    }

    public readonly record struct WriteOutcome(Type? Throws, AudioWriteResult Result, bool PoolLimited = false);

    /// <summary>The exception a write of <paramref name="chunk"/> throws now, or null.</summary>
    public Type? WriteThrows(byte[] chunk) =>
        WriterCompleted ? typeof(InvalidOperationException)
        : chunk.Length > _maxChunkBytes && _policy == OversizeChunkPolicy.Reject ? typeof(ArgumentException)
        : null;

    public readonly record struct ReadOutcome(byte[] Data, bool IsCanceled, bool IsCompleted);

    /// <summary>A write. With <paramref name="poolLimited"/> (what the ring did, its pool being smaller than its
    /// caps), the model checks it is allowed (at least the evictions the caps ask for, of the oldest chunks not handed
    /// to the reader, then the chunk appended or dropped) and follows it.</summary>
    public WriteOutcome Write(byte[] chunk, AudioWriteResult? poolLimited = null)
    {
        if (WriterCompleted)
        {
            return new WriteOutcome(typeof(InvalidOperationException), default);
        }

        int truncated = 0;
        if (chunk.Length > _maxChunkBytes)
        {
            if (_policy == OversizeChunkPolicy.Reject)
            {
                return new WriteOutcome(typeof(ArgumentException), default);
            }

            truncated = chunk.Length - _maxChunkBytes;
            chunk = chunk[.._maxChunkBytes];
        }

        if (chunk.Length == 0)
        {
            return new WriteOutcome(null, new AudioWriteResult(0, 0, 0, false, truncated));
        }

        Written += chunk.Length;
        if (ReaderCompleted)
        {
            Dropped += chunk.Length;
            DroppedChunks++;
            return new WriteOutcome(null, new AudioWriteResult(0, 0, 0, true, truncated));
        }

        int evicted = 0;
        long evictedBytes = 0;
        int evictAtLeast = poolLimited?.EvictedChunks ?? 0;
        bool beyondCaps = false;
        while (true)
        {
            bool capsAsk = _chunks.Count + 1 > _maxChunks || HeldBytes + BufferedBytes + chunk.Length > _maxBytes;
            if (!capsAsk && evicted >= evictAtLeast)
            {
                break;
            }

            beyondCaps |= !capsAsk;
            if (BufferedChunks == 0 && evicted >= evictAtLeast)
            {
                Dropped += chunk.Length;
                DroppedChunks++;
                NoteLoss();
                return new WriteOutcome(null, new AudioWriteResult(0, evicted, evictedBytes, true, truncated));
            }

            if (BufferedChunks == 0)
            {
                // The ring reports more evictions than there were chunks to evict.
                return new WriteOutcome(null, new AudioWriteResult(-1, evicted, evictedBytes, false, truncated));
            }

            var victim = _chunks[HeldChunks];
            _chunks.RemoveAt(HeldChunks);
            int bytes = victim.Data.Length - victim.Offset;
            evicted++;
            evictedBytes += bytes;
            Dropped += bytes;
            DroppedChunks++;
            NoteLoss();
        }

        if (poolLimited is { Dropped: true })
        {
            // No block for the chunk, even after evicting what the ring chose to.
            Dropped += chunk.Length;
            DroppedChunks++;
            NoteLoss();
            return new WriteOutcome(null, new AudioWriteResult(0, evicted, evictedBytes, true, truncated), PoolLimited: true);
        }

        _chunks.Add((chunk, 0));
        _writtenSinceRead = true;
        _waitForNew = false;
        return new WriteOutcome(null, new AudioWriteResult(chunk.Length, evicted, evictedBytes, false, truncated), PoolLimited: beyondCaps);
    }

    private void NoteLoss()
    {
        if (Holding && HeldBytes > 0)
        {
            _gapDuringHold = true;
        }
        else
        {
            LastGap = Consumed;
        }

        // A waiting ReadAtLeastAsync takes what there is once unread audio is lost.
        if (_pendingMinimum is not null)
        {
            _pendingMinimum = 1;
        }
    }

    private int? _pendingMinimum;

    /// <summary>A read waits (it was not ready when made) for at least <paramref name="minimum"/> bytes.</summary>
    public void Wait(int minimum) => _pendingMinimum = minimum;

    /// <summary>The waiting read can complete.</summary>
    public bool PendingReady => _pendingMinimum is int minimum && IsReady(minimum);

    public void CompleteWriter() => WriterCompleted = true;

    public void CancelPendingRead() => _cancelNext = true;

    public bool IsReady(int minimum) => _cancelNext || WriterCompleted || (BufferedBytes >= Math.Max(1, minimum) && !_waitForNew);

    public ReadOutcome? TryRead(int minimum) => IsReady(minimum) ? Take() : null;

    /// <summary>Hands everything buffered to the reader, ready or not: a woken read takes its view when its result is
    /// taken, whatever was written (or evicted) meanwhile.</summary>
    public ReadOutcome Take()
    {
        _pendingMinimum = null;
        bool cancelled = _cancelNext;
        _cancelNext = false;
        Holding = true;
        _writtenSinceRead = false;
        _gapDuringHold = false;
        HeldChunks = _chunks.Count;
        byte[] data = _chunks.SelectMany(c => c.Data.Skip(c.Offset)).ToArray();
        HeldBytes = data.Length;
        _viewLength = data.Length;
        return new ReadOutcome(data, cancelled, WriterCompleted);
    }

    public void AdvanceTo(int consumed, int examined)
    {
        Consumed += consumed;
        int left = consumed;
        while (HeldChunks > 0 && left > 0)
        {
            var (data, offset) = _chunks[0];
            int remaining = data.Length - offset;
            if (remaining <= left)
            {
                _chunks.RemoveAt(0);
                HeldChunks--;
                left -= remaining;
            }
            else
            {
                _chunks[0] = (data, offset + left);
                left = 0;
            }
        }

        if (_gapDuringHold)
        {
            Dropped += Remaining(0, HeldChunks);
            DroppedChunks += HeldChunks;
            _chunks.RemoveRange(0, HeldChunks);
            LastGap = Consumed;
        }

        HeldChunks = 0;
        HeldBytes = 0;
        Holding = false;
        _waitForNew = examined == _viewLength && !_writtenSinceRead;
    }

    public void CompleteReader()
    {
        ReaderCompleted = true;
        Dropped += Remaining(0, _chunks.Count);
        DroppedChunks += _chunks.Count;
        _chunks.Clear();
        Holding = false;
        HeldChunks = 0;
        HeldBytes = 0;
    }
}
