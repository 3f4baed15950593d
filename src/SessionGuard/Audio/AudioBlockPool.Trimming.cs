using System;
using System.Collections.Generic;
using System.Threading;

namespace SessionGuard.Audio;

// Giving memory back: releasing the slabs whose blocks are all free, on demand or on a schedule.
public sealed partial class AudioBlockPool
{
    private ITimer? _trimTimer;

    /// <summary>Releases every slab whose blocks are all free, so its memory can be collected.</summary>
    /// <returns>The number of blocks released.</returns>
    public long Trim()
    {
        lock (_lock)
        {
            return TrimCore(onlyIdleSinceLastTrim: false);
        }
    }

    /// <summary>Releases the slabs whose blocks have all stayed free since the previous call of this method:
    /// call it periodically (for example every minute) to give back memory after a burst.</summary>
    /// <returns>The number of blocks released.</returns>
    public long TrimIdle()
    {
        lock (_lock)
        {
            return TrimCore(onlyIdleSinceLastTrim: true);
        }
    }

    /// <summary>Calls <see cref="TrimIdle"/> every <paramref name="interval"/>, so a slab left free for a whole
    /// interval is released. Replaces a previous schedule.</summary>
    /// <param name="interval">Positive.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is not positive.</exception>
    public void StartTrimming(TimeSpan interval, TimeProvider? timeProvider = null)
    {
        if (interval <= TimeSpan.Zero)
        {
            AudioThrowHelper.ThrowArgumentOutOfRange_TrimInterval(interval);
        }

        ITimer timer = (timeProvider ?? TimeProvider.System).CreateTimer(static s => ((AudioBlockPool)s!).TrimIdle(), this, interval, interval);
        ITimer? previous;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            previous = _trimTimer;
            _trimTimer = timer;
        }

        previous?.Dispose();
    }

    private long TrimCore(bool onlyIdleSinceLastTrim)
    {
        long released = 0;
        foreach (SizeClass sizeClass in Classes())
        {
            released += TrimClass(sizeClass, onlyIdleSinceLastTrim);
        }

        return released;
    }

    private long TrimClass(SizeClass sizeClass, bool onlyIdleSinceLastTrim)
    {
        bool any = false;
        foreach (Slab slab in sizeClass.Slabs)
        {
            if (slab.FreeCount == sizeClass.BlocksPerSlab && (!onlyIdleSinceLastTrim || slab.IdleSinceTrim))
            {
                slab.Released = true;
                any = true;
            }

            slab.IdleSinceTrim = slab.FreeCount == sizeClass.BlocksPerSlab;
        }

        if (!any)
        {
            return 0;
        }

        Stack<AudioBlock> free = sizeClass.Free;
        AudioBlock[] keep = free.ToArray();
        free.Clear();
        for (int i = keep.Length - 1; i >= 0; i--)
        {
            if (!keep[i].Slab.Released)
            {
                free.Push(keep[i]);
            }
        }

        long released = sizeClass.Slabs.RemoveAll(static s => s.Released) * (long)sizeClass.BlocksPerSlab;
        sizeClass.Allocated -= released;
        return released;
    }
}
