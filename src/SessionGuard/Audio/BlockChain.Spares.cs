using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace SessionGuard.Audio;

// The spare lists: blocks kept for the next write, one list per block size.
internal partial struct BlockChain
{
    /// <summary>The spare list of one block size.</summary>
    [UnscopedRef]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref SpareList SparesFor(bool large) => ref large ? ref LargeSpares : ref Spares;

    /// <summary>Spare blocks of one size, linked by Next; at most <see cref="Limit"/> of them are kept.</summary>
    internal struct SpareList
    {
        public AudioBlock? Head;
        public int Count;
        public int Limit;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryPush(AudioBlock block)
        {
            if (Count >= Limit)
            {
                return false;
            }

            block.SetNext(Head);
            Head = block;
            Count++;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryPop([NotNullWhen(true)] out AudioBlock? block)
        {
            block = Head;
            if (block is null)
            {
                return false;
            }

            Head = block.NextBlock;
            Count--;
            return true;
        }
    }
}
