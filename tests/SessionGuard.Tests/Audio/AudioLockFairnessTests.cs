using System;
using System.IO.Pipelines;
using System.Threading;
using SessionGuard.Audio;

namespace SessionGuard.Tests.Audio;

/// <summary>The ring's lock is not fair, but a producer writing back to back gives way to a thread waiting for it once
/// it has written <see cref="RingLock.GiveWayBytes"/> since that thread began to wait. How often a real reader
/// thread then gets in depends on the scheduler (on a loaded machine it may not be running when the producer waits
/// for it), so the policy is tested with a waiter the test counts itself; the BenchmarkDotNet TwoThreads rows show
/// its effect (benchmarks/README.md).</summary>
public class AudioLockFairnessTests
{
    private const int ChunkBytes = 32 * 1024;

    private static AudioRingBuffer Create(AudioBlockPool pool) =>
        new(new AudioRingBufferOptions { MaxChunks = 4096, MaxBytes = 64L << 20, MaxChunkBytes = ChunkBytes, Pool = pool });

    [Fact]
    public void With_no_thread_waiting_the_producer_never_gives_way()
    {
        using var pool = new AudioBlockPool(4096, 16, name: "give-way-none", largeBlockSize: 64 * 1024);
        var ring = Create(pool);
        for (int i = 0; i < 64; i++)
        {
            ring.Write(new byte[ChunkBytes]);
        }

        Assert.Equal(0, ring.LockForTests.GiveWays);
        ring.Complete();
    }

    [Fact]
    public void While_a_thread_waits_the_producer_gives_way_once_per_GiveWayBytes_written()
    {
        using var pool = new AudioBlockPool(4096, 16, name: "give-way-counted", largeBlockSize: 64 * 1024);
        var ring = Create(pool);
        int perGiveWay = RingLock.GiveWayBytes / ChunkBytes;
        ring.LockForTests.AddWaiters(1);

        for (int i = 0; i < perGiveWay - 1; i++)
        {
            ring.Write(new byte[ChunkBytes]);
        }

        Assert.Equal(0, ring.LockForTests.GiveWays);
        ring.Write(new byte[ChunkBytes]);
        Assert.Equal(1, ring.LockForTests.GiveWays);

        // This waiter never takes the lock: the producer waits for it, its whole bound each time and no longer, and
        // every write completes. The count starts again after giving way.
        Assert.Equal(RingLock.GiveWayMaxTurns, ring.LockForTests.GiveWayTurns);
        var writes = new Thread(() =>
        {
            for (int i = 0; i < 2 * perGiveWay; i++)
            {
                ring.Write(new byte[ChunkBytes]);
            }
        })
        {
            IsBackground = true,
        };
        writes.Start();
        Assert.True(writes.Join(TimeSpan.FromSeconds(30)), "Writes waited without bound for a waiter that never took the lock.");

        Assert.Equal(3, ring.LockForTests.GiveWays);
        Assert.Equal(3 * RingLock.GiveWayMaxTurns, ring.LockForTests.GiveWayTurns);
        Assert.Equal((3 * perGiveWay) * (long)ChunkBytes, ring.BufferedBytes);
        ring.LockForTests.AddWaiters(-1);
        ring.Complete();
    }

    [Fact]
    public void A_reader_thread_that_waits_for_the_lock_is_counted_while_it_waits()
    {
        using var pool = new AudioBlockPool(4096, 16, name: "give-way-real", largeBlockSize: 64 * 1024);
        var ring = Create(pool);
        var chunk = new byte[ChunkBytes];
        long read = 0;
        var reader = new Thread(() =>
        {
            // A reader with nothing else to do: it is always either in the lock or waiting for it.
            while (true)
            {
                if (ring.TryRead(out ReadResult result))
                {
                    read += result.Buffer.Length;
                    bool end = result.IsCompleted;
                    ring.AdvanceTo(result.Buffer.End);
                    if (end)
                    {
                        return;
                    }
                }
            }
        })
        {
            // Should an assertion below fail before the writer is completed, this loop must not keep the process alive.
            IsBackground = true,
        };
        reader.Start();

        // Write until the producer has given way at least once to the real reader thread (it gives way only while
        // that thread is counted as waiting), then end the stream: everything written is read or counted as dropped.
        long written = 0;
        try
        {
            while (ring.LockForTests.GiveWays == 0)
            {
                ring.Write(chunk);
                written += ChunkBytes;
                Assert.True(written < 4L << 30, "The producer wrote 4 GB and never saw the reader thread waiting for the lock.");
            }
        }
        finally
        {
            ring.CompleteWriter();
        }

        Assert.True(reader.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(ring.WrittenBytes, read + ring.DroppedBytes);
        ring.Complete();
        Assert.Equal(0, pool.RentedBlocks);
    }
}
