using System;
using System.Collections.Generic;

namespace SessionGuard.Audio;

// Renting blocks to a ring and taking them back.
public sealed partial class AudioBlockPool
{
    /// <summary>Rents up to <paramref name="into"/>'s length in blocks of one size, in one call, allocating slabs
    /// while none is free and the budget allows.</summary>
    /// <param name="into">Receives the blocks.</param>
    /// <param name="large">Large blocks; the pool must have them (<see cref="LargeBlockSize"/> not 0).</param>
    /// <returns>How many blocks were put into <paramref name="into"/>; fewer when the budget is exhausted (or memory
    /// could not be allocated), none once the pool is disposed: a ring still writing then drops cleanly.</returns>
    /// <param name="owner">The ring the blocks are for: it becomes their <see cref="AudioBlock.Owner"/>, and a ring
    /// that holds blocks is one the pool can take memory back from (<see cref="TryReclaim"/>).</param>
    internal int TryRent(Span<AudioBlock?> into, bool large, AudioRingBuffer owner)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return 0;
            }

            SizeClass sizeClass = large ? _large! : _small;
            Stack<AudioBlock> free = sizeClass.Free;
            int count = 0;
            while (count < into.Length)
            {
                if (free.Count == 0)
                {
                    if (!TryAllocateSlab(sizeClass))
                    {
                        break;
                    }
                }
                else if (!CanAllocateSlab(sizeClass) && OverShare(owner, owner.PoolRentedBytes + ((long)count * sizeClass.BlockSize), sizeClass.BlockSize))
                {
                    // The budget is reached: a ring past its share recycles its own audio instead of taking the free
                    // blocks other rings gave back.
                    break;
                }

                AudioBlock block = free.Pop();
                block.Slab.FreeCount--;
                block.Owner = owner;
                into[count++] = block;
            }

            sizeClass.Rented += count;
            if (count > 0)
            {
                if (owner.PoolRentedBlocks == 0)
                {
                    owner.PoolSlot = _holders.Count;
                    _holders.Add(owner);
                }

                owner.PoolRentedBlocks += count;
                owner.PoolRentedBytes += (long)count * sizeClass.BlockSize;
            }

            return count;
        }
    }

    /// <summary>Returns <paramref name="count"/> blocks rented from this pool, linked from <paramref name="first"/>
    /// by <c>Next</c>, in one call.</summary>
    internal void Return(AudioBlock first, int count)
    {
        lock (_lock)
        {
            AudioBlock? block = first;
            for (int i = 0; i < count; i++)
            {
                AudioBlock next = block!.NextBlock!;
                Slab slab = block.Slab;
                SizeClass sizeClass = slab.Class;
                if (block.Owner is AudioRingBuffer owner)
                {
                    owner.PoolRentedBytes -= block.Length;
                    if (--owner.PoolRentedBlocks == 0)
                    {
                        RemoveHolder(owner);
                    }
                }

                block.ResetLinks();
                slab.FreeCount++;
                sizeClass.Rented--;
                if (_disposed)
                {
                    sizeClass.Allocated--;
                }
                else
                {
                    slab.IdleSinceTrim = false;
                    sizeClass.Free.Push(block);
                }

                block = next;
            }
        }
    }
}
