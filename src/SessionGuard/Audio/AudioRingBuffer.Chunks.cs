using System;
using System.Buffers;
using System.Numerics;

namespace SessionGuard.Audio;

// The chunk table: a power-of-two ring of chunk records, oldest first (held by the reader, then buffered).
// Guarded by the lock.
public sealed partial class AudioRingBuffer
{
    // Chunk records, oldest first: _heldChunks held by the reader, then the buffered ones. The table's length is a
    // power of two (or zero): _chunkMask is length - 1.
    private Chunk[] _chunks = Array.Empty<Chunk>();
    private int _chunkMask;
    private int _chunkHead;
    private int _chunkCount;
    private int _heldChunks;

    // Buffered (not yet handed) region start.
    private long _unheldStart;
    private AudioBlock? _unheldBlock;

    private void PopHead()
    {
        _chunkHead = (_chunkHead + 1) & _chunkMask;
        _chunkCount--;
    }

    private void GrowChunks()
    {
        // The first table holds 64 records (1 KB, about a second of 20 ms frames): a buffer that fills and drains
        // in bursts gets it back from ArrayPool once per burst instead of growing it 16 → 32 → 64 each time.
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Min(Math.Max(64, _chunks.Length * 2), Math.Max(16, _maxChunks)));
        Chunk[] bigger = ArrayPool<Chunk>.Shared.Rent(size);
        if (!BitOperations.IsPow2(bigger.Length))
        {
            ArrayPool<Chunk>.Shared.Return(bigger);
            bigger = new Chunk[size];
        }

        for (int i = 0; i < _chunkCount; i++)
        {
            bigger[i] = _chunks[(_chunkHead + i) & _chunkMask];
        }

        if (_chunks.Length > 0)
        {
            ArrayPool<Chunk>.Shared.Return(_chunks);
        }

        _chunks = bigger;
        _chunkMask = bigger.Length - 1;
        _chunkHead = 0;
    }

    private struct Chunk
    {
        public long Start;
        public int Length;

        public Chunk(long start, int length)
        {
            Start = start;
            Length = length;
        }
    }
}
