using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using SessionGuard.Audio;

namespace SessionGuard.Benchmarks.Audio;

public enum AudioScenario
{
    /// <summary>Write 64 chunks, then read and consume them all, on one thread.</summary>
    Batch64,

    /// <summary>Write 64 chunks into a buffer capped at 16 (48 evicted), then read the 16; Pipe cannot evict and buffers all 64.</summary>
    Evicting16,

    /// <summary>256 chunks stay buffered: each operation writes one chunk and consumes the oldest one.</summary>
    Outstanding256,

    /// <summary>A producer thread writes 1024 chunks while a consumer task reads them as they come.</summary>
    TwoThreads,
}

/// <summary>Per-chunk cost of <see cref="AudioRingBuffer"/> against memcpy (the physical limit), a <see cref="Pipe"/>
/// without back-pressure and a bounded <see cref="Channel"/> with DropOldest over <see cref="ArrayPool{T}.Shared"/>.
/// Every figure is per chunk (OperationsPerInvoke).</summary>
[MemoryDiagnoser]
public class AudioRingBufferBenchmarks
{
    private const int Outstanding = 256;

    private byte[] _chunk = Array.Empty<byte>();
    private byte[] _memcpyTarget = Array.Empty<byte>();
    private int _memcpyOffset;
    private AudioRingBuffer _ring = null!;
    private Pipe _pipe = null!;
    private Channel<ArraySegment<byte>> _channel = null!;
    private long _sink;
    private Task? _consumer;
    private readonly ManualResetEventSlim _caughtUp = new(false);
    private long _target;
    private long _consumerSum;

    [Params(640, 3200, 32 * 1024)]
    public int ChunkBytes { get; set; }

    [Params(AudioScenario.Batch64, AudioScenario.Evicting16, AudioScenario.Outstanding256, AudioScenario.TwoThreads)]
    public AudioScenario Scenario { get; set; }

    private int Chunks => Scenario switch
    {
        AudioScenario.Batch64 => 64,
        AudioScenario.Evicting16 => 64,
        AudioScenario.Outstanding256 => 64,
        _ => 1024,
    };

    private int Cap => Scenario == AudioScenario.Evicting16 ? 16 : 1024;

    [GlobalSetup]
    public void Setup()
    {
        _chunk = new byte[ChunkBytes];
        new Random(1).NextBytes(_chunk);
        _memcpyTarget = new byte[ChunkBytes * 64];
        _ring = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = Cap, MaxBytes = 64L << 20, MaxChunkBytes = 64 * 1024 });
        _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        _channel = Channel.CreateBounded<ArraySegment<byte>>(
            new BoundedChannelOptions(Cap) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            static dropped => ArrayPool<byte>.Shared.Return(dropped.Array!));
        if (Scenario == AudioScenario.Outstanding256)
        {
            for (int i = 0; i < Outstanding; i++)
            {
                _ring.Write(_chunk);
                WritePipe();
                WriteChannel();
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // Writers first: a consumer loop sees the end and stops before its reader is completed.
        _channel.Writer.TryComplete();
        _ring.CompleteWriter();
        _pipe.Writer.Complete();
        _consumer?.Wait(TimeSpan.FromSeconds(10));
        _ring.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _pipe.Reader.Complete();
        while (_channel.Reader.TryRead(out ArraySegment<byte> item))
        {
            ArrayPool<byte>.Shared.Return(item.Array!);
        }
    }

    [Benchmark(Baseline = true, Description = "memcpy", OperationsPerInvoke = 1024)]
    public long Memcpy()
    {
        // The same number of chunks per invoke for every method: OperationsPerInvoke is a constant.
        for (int round = 0; round < 1024 / Chunks; round++)
        {
            for (int i = 0; i < Chunks; i++)
            {
                _chunk.AsSpan().CopyTo(_memcpyTarget.AsSpan(_memcpyOffset, ChunkBytes));
                _memcpyOffset = (_memcpyOffset + ChunkBytes) % _memcpyTarget.Length;
            }

            _sink += _memcpyTarget[_memcpyOffset];
        }

        return _sink;
    }

    [Benchmark(Description = "AudioRingBuffer", OperationsPerInvoke = 1024)]
    public long Ring() => RunRing(_ring);

    private long RunRing(AudioRingBuffer ring)
    {
        if (Scenario == AudioScenario.TwoThreads)
        {
            return TwoThreads(ring, () => { for (int i = 0; i < 1024; i++) { ring.Write(_chunk); } });
        }

        for (int round = 0; round < 1024 / Chunks; round++)
        {
            if (Scenario == AudioScenario.Outstanding256)
            {
                for (int i = 0; i < Chunks; i++)
                {
                    ring.Write(_chunk);
                    ring.TryRead(out ReadResult one);
                    _sink += one.Buffer.Length;
                    SequencePosition p = one.Buffer.GetPosition(ChunkBytes);
                    ring.AdvanceTo(p, p);
                }

                continue;
            }

            for (int i = 0; i < Chunks; i++)
            {
                ring.Write(_chunk);
            }

            ring.TryRead(out ReadResult read);
            _sink += Touch(read.Buffer);
            ring.AdvanceTo(read.Buffer.End);
        }

        return _sink;
    }

    [Benchmark(Description = "Pipe (pauseWriterThreshold 0)", OperationsPerInvoke = 1024)]
    public long PipeBaseline()
    {
        if (Scenario == AudioScenario.TwoThreads)
        {
            return TwoThreads(_pipe.Reader, () => { for (int i = 0; i < 1024; i++) { WritePipe(); } });
        }

        for (int round = 0; round < 1024 / Chunks; round++)
        {
            if (Scenario == AudioScenario.Outstanding256)
            {
                for (int i = 0; i < Chunks; i++)
                {
                    WritePipe();
                    _pipe.Reader.TryRead(out ReadResult one);
                    _sink += one.Buffer.Length;
                    SequencePosition p = one.Buffer.GetPosition(ChunkBytes);
                    _pipe.Reader.AdvanceTo(p, p);
                }

                continue;
            }

            for (int i = 0; i < Chunks; i++)
            {
                WritePipe();
            }

            _pipe.Reader.TryRead(out ReadResult read);
            _sink += Touch(read.Buffer);
            _pipe.Reader.AdvanceTo(read.Buffer.End);
        }

        return _sink;
    }

    [Benchmark(Description = "Channel DropOldest + ArrayPool", OperationsPerInvoke = 1024)]
    public long ChannelBaseline()
    {
        if (Scenario == AudioScenario.TwoThreads)
        {
            return TwoThreadsChannel();
        }

        for (int round = 0; round < 1024 / Chunks; round++)
        {
            if (Scenario == AudioScenario.Outstanding256)
            {
                for (int i = 0; i < Chunks; i++)
                {
                    WriteChannel();
                    _channel.Reader.TryRead(out ArraySegment<byte> one);
                    _sink += one.Array![0];
                    ArrayPool<byte>.Shared.Return(one.Array);
                }

                continue;
            }

            for (int i = 0; i < Chunks; i++)
            {
                WriteChannel();
            }

            while (_channel.Reader.TryRead(out ArraySegment<byte> item))
            {
                _sink += item.Array![item.Count - 1];
                ArrayPool<byte>.Shared.Return(item.Array);
            }
        }

        return _sink;
    }

    private void WritePipe()
    {
        _pipe.Writer.Write(_chunk);
        _pipe.Writer.FlushAsync().GetAwaiter().GetResult();
    }

    private void WriteChannel()
    {
        byte[] array = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        _chunk.AsSpan().CopyTo(array);
        _channel.Writer.TryWrite(new ArraySegment<byte>(array, 0, ChunkBytes));
    }

    private static long Touch(ReadOnlySequence<byte> buffer)
    {
        long sum = 0;
        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            sum += segment.Span[segment.Length - 1];
        }

        return sum + buffer.Length;
    }

    // TwoThreads: one consumer loop per benchmark, started on first use and kept for the whole run, waiting in
    // ReadAsync (or WaitToReadAsync) as a recognizer's loop does; each invocation writes 1024 chunks from this thread
    // and waits until the consumer has taken them all. An earlier version started a new consumer task per invocation:
    // the producer usually finished before the task first ran, so it measured Task.Run latency and writes into 1024
    // chunks' worth of cold memory more than the exchange between two threads.
    private long TwoThreads(PipeReader reader, Action produce)
    {
        _consumer ??= Task.Run(() => ConsumePipe(reader));
        return Produce(produce);
    }

    private long TwoThreadsChannel()
    {
        _consumer ??= Task.Run(ConsumeChannel);
        return Produce(static self => { for (int i = 0; i < 1024; i++) { self.WriteChannel(); } });
    }

    private long Produce(Action produce) => Produce(_ => produce());

    private long Produce(Action<AudioRingBufferBenchmarks> produce)
    {
        _caughtUp.Reset();
        Volatile.Write(ref _target, _target + 1024);
        produce(this);
        _caughtUp.Wait();
        return Volatile.Read(ref _consumerSum);
    }

    private async Task ConsumePipe(PipeReader reader)
    {
        long chunks = 0;
        while (true)
        {
            ReadResult read = await reader.ReadAsync();
            if (read.IsCompleted && read.Buffer.IsEmpty)
            {
                return;
            }

            _consumerSum += Touch(read.Buffer);
            long bytes = read.Buffer.Length;
            reader.AdvanceTo(read.Buffer.End);
            chunks += bytes / ChunkBytes;
            if (chunks == Volatile.Read(ref _target))
            {
                _caughtUp.Set();
            }
        }
    }

    private async Task ConsumeChannel()
    {
        long chunks = 0;
        while (await _channel.Reader.WaitToReadAsync())
        {
            while (_channel.Reader.TryRead(out ArraySegment<byte> item))
            {
                _consumerSum += item.Array![item.Count - 1];
                ArrayPool<byte>.Shared.Return(item.Array);
                if (++chunks == Volatile.Read(ref _target))
                {
                    _caughtUp.Set();
                }
            }
        }
    }
}
