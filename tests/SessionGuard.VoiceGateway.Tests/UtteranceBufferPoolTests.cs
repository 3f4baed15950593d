using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Segmentation;

namespace SessionGuard.VoiceGateway.Tests;

public class UtteranceBufferPoolTests
{
    private const int AudioBytes = 8050 * 32;
    private const int Steps = 805;

    [Fact]
    public void The_next_stream_gets_the_buffer_the_previous_one_returned()
    {
        var pool = new UtteranceBufferPool();
        UtteranceBuffer first = pool.Rent(AudioBytes, Steps);
        pool.Return(first);

        UtteranceBuffer second = pool.Rent(AudioBytes, Steps);

        Assert.Same(first, second);
        Assert.True(second.Audio.Length >= AudioBytes && second.Energy.Length >= Steps);
    }

    [Fact]
    public void A_stream_never_gets_a_buffer_smaller_than_it_asked_for()
    {
        var pool = new UtteranceBufferPool();
        pool.Return(pool.Rent(1024, 4));

        UtteranceBuffer larger = pool.Rent(AudioBytes, Steps);

        Assert.True(larger.Audio.Length >= AudioBytes && larger.Energy.Length >= Steps);
        Assert.Equal((1, 0), (pool.Running, pool.Idle));
    }

    [Fact]
    public void Idle_buffers_never_outnumber_the_running_streams_by_more_than_one()
    {
        var pool = new UtteranceBufferPool();
        List<UtteranceBuffer> burst = Enumerable.Range(0, 10).Select(_ => pool.Rent(AudioBytes, Steps)).ToList();

        for (int i = 0; i < burst.Count; i++)
        {
            pool.Return(burst[i]);
            Assert.Equal(burst.Count - i - 1, pool.Running);
            Assert.InRange(pool.Idle, 1, pool.Running + 1);
        }

        Assert.Equal((0, 1), (pool.Running, pool.Idle));
    }

    [Fact]
    public void After_a_burst_of_streams_ends_the_pool_keeps_one_buffer_and_nothing_keeps_the_rest()
    {
        var pool = new UtteranceBufferPool();

        List<WeakReference> burst = RentAndReturnABurst(pool, 10);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Equal(1, pool.Idle);
        Assert.Equal(1, burst.Count(w => w.IsAlive)); // the one kept for the next stream
    }

    [Fact]
    public void Returning_a_buffer_no_running_stream_rented_is_rejected()
    {
        var pool = new UtteranceBufferPool();
        var stray = new UtteranceBuffer(new byte[16], new long[1]);

        Assert.Throws<InvalidOperationException>(() => pool.Return(stray));
        Assert.Equal((0, 0), (pool.Running, pool.Idle));
    }

    [Fact]
    public async Task Streams_on_several_threads_never_share_a_buffer_and_leave_one_idle()
    {
        var pool = new UtteranceBufferPool();
        var holders = new ConditionalWeakTable<UtteranceBuffer, StrongBox<int>>();
        int shared = 0;
        using var start = new Barrier(4);

        Task[] threads = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < 2000; i++)
            {
                UtteranceBuffer buffer = pool.Rent(1024, 4);
                StrongBox<int> holder = holders.GetValue(buffer, static _ => new StrongBox<int>());
                if (Interlocked.Increment(ref holder.Value) != 1)
                {
                    Interlocked.Increment(ref shared);
                }

                buffer.Audio[0] = (byte)t;
                Thread.Yield();
                Interlocked.Decrement(ref holder.Value);
                pool.Return(buffer);
            }
        })).ToArray();
        await Task.WhenAll(threads).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, shared);
        Assert.Equal((0, 1), (pool.Running, pool.Idle));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> RentAndReturnABurst(UtteranceBufferPool pool, int streams)
    {
        List<UtteranceBuffer> burst = Enumerable.Range(0, streams).Select(_ => pool.Rent(AudioBytes, Steps)).ToList();
        burst.ForEach(pool.Return);
        return burst.Select(b => new WeakReference(b.Audio)).ToList();
    }
}
