using System;
using System.Collections.Generic;

namespace SessionGuard.Audio;

// The size classes and their slabs: allocating a slab within the budget and counting the bytes allocated.
public sealed partial class AudioBlockPool
{
    /// <summary>The budget has room for another slab of <paramref name="sizeClass"/>. Under the lock.</summary>
    private bool CanAllocateSlab(SizeClass sizeClass) =>
        AllocatedBytesCore() + ((long)sizeClass.BlockSize * sizeClass.BlocksPerSlab) <= MaxBytes;

    private bool TryAllocateSlab(SizeClass sizeClass)
    {
        long slabBytes = (long)sizeClass.BlockSize * sizeClass.BlocksPerSlab;
        if (AllocatedBytesCore() + slabBytes > MaxBytes)
        {
            return false;
        }

        byte[] memory;
        try
        {
            memory = GC.AllocateUninitializedArray<byte>((int)slabBytes);
        }
        catch (OutOfMemoryException)
        {
            return false;
        }

        var slab = new Slab(sizeClass) { FreeCount = sizeClass.BlocksPerSlab };
        sizeClass.Slabs.Add(slab);
        for (int i = sizeClass.BlocksPerSlab - 1; i >= 0; i--)
        {
            sizeClass.Free.Push(new AudioBlock(this, slab, memory, i * sizeClass.BlockSize, sizeClass.BlockSize));
        }

        sizeClass.Allocated += sizeClass.BlocksPerSlab;
        return true;
    }

    /// <summary>Bytes of slabs allocated, both sizes; under the lock.</summary>
    private long AllocatedBytesCore() =>
        (_small.Allocated * _small.BlockSize) + (_large is null ? 0 : _large.Allocated * _large.BlockSize);

    private IEnumerable<SizeClass> Classes()
    {
        yield return _small;
        if (_large is not null)
        {
            yield return _large;
        }
    }

    /// <summary>The blocks of one size: free stack, slabs and counts, guarded by the pool's lock.</summary>
    internal sealed class SizeClass
    {
        public SizeClass(int blockSize, int blocksPerSlab)
        {
            BlockSize = blockSize;
            BlocksPerSlab = blocksPerSlab;
        }

        public int BlockSize { get; }

        public int BlocksPerSlab { get; }

        public Stack<AudioBlock> Free { get; } = new();

        public List<Slab> Slabs { get; } = new();

        public long Allocated;

        public long Rented;
    }

    internal sealed class Slab
    {
        public Slab(SizeClass sizeClass) => Class = sizeClass;

        public SizeClass Class { get; }

        public int FreeCount;
        public bool IdleSinceTrim;
        public bool Released;
    }
}
