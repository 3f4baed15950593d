namespace SessionGuard.Audio;

// The chunk records (ChunkTable) and where the buffered region starts.
public sealed partial class AudioRingBuffer
{
    // [lock] Chunk records, oldest first: _chunks.Held in the reader's view, then the buffered ones.
    private ChunkTable _chunks = new();

    // [lock] Where the buffered (not yet handed) region starts, and its block.
    private long _unheldStart;
    private AudioBlock? _unheldBlock;
}
