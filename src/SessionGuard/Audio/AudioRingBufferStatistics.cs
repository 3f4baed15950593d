namespace SessionGuard.Audio;

/// <summary>A consistent snapshot of an <see cref="AudioRingBuffer"/>'s counters, taken under its lock.
/// <c>ConsumedBytes + DroppedBytes + BufferedBytes + HeldBytes == WrittenBytes</c> always holds.</summary>
public readonly record struct AudioRingBufferStatistics(
    long WrittenBytes,
    long ConsumedBytes,
    long DroppedBytes,
    long DroppedChunks,
    long BufferedBytes,
    int BufferedChunks,
    long HeldBytes,
    int HeldChunks,
    long LastGapOffset,
    int RentedBlocks);
