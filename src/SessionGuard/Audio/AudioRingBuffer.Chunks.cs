namespace SessionGuard.Audio;

// The chunk records (ChunkTable) and where the buffered region starts. Guarded by the lock.
public sealed partial class AudioRingBuffer
{
    // Chunk records, oldest first: _chunks.Held in the reader's view, then the buffered ones.
    private ChunkTable _chunks = new();

    // Buffered (not yet handed) region start.
    private long _unheldStart;
    private AudioBlock? _unheldBlock;
}
