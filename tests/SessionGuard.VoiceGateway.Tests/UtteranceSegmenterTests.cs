using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.Audio;
using SessionGuard.VoiceGateway.Audio;
using SessionGuard.VoiceGateway.Segmentation;

namespace SessionGuard.VoiceGateway.Tests;

public class UtteranceSegmenterTests
{
    private static readonly SegmenterOptions Defaults = new();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Cuts_are_within_2_to_10_seconds_and_lose_or_duplicate_nothing(int seed)
    {
        byte[] input = SpeechSynthesizer.Generate(seed, TimeSpan.FromSeconds(60));

        List<RecordedUtterance> utterances = await SegmenterHarness.SegmentAsync(input, Defaults);

        Assert.Equal(input, SegmenterHarness.Concatenate(utterances));
        Assert.True(utterances.Count >= 60 / 8, $"only {utterances.Count} utterances in 60 s");
        long offset = 0;
        for (int i = 0; i < utterances.Count; i++)
        {
            RecordedUtterance u = utterances[i];
            Assert.Equal(i, u.Index);
            Assert.Equal(offset, u.Offset);
            Assert.False(u.AfterGap);
            Assert.Equal(i == utterances.Count - 1 ? UtteranceEnd.EndOfStream : UtteranceEnd.Cut, u.End);
            Assert.InRange(u.Pcm.Length, 1, PcmFormat.BytesFor(TimeSpan.FromSeconds(10)));
            if (u.End == UtteranceEnd.Cut)
            {
                Assert.InRange(u.Pcm.Length, PcmFormat.BytesFor(TimeSpan.FromSeconds(2)), PcmFormat.BytesFor(TimeSpan.FromSeconds(10)));
            }

            offset += u.Pcm.Length;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Each_cut_is_at_the_quietest_window_of_the_cut_range(int seed)
    {
        byte[] input = SpeechSynthesizer.Generate(seed, TimeSpan.FromSeconds(60));

        List<RecordedUtterance> utterances = await SegmenterHarness.SegmentAsync(input, Defaults);

        int earliest = PcmFormat.BytesFor(Defaults.EarliestCut);
        int latest = PcmFormat.BytesFor(Defaults.LatestCut);
        int step = PcmFormat.BytesFor(SegmenterOptions.Step);
        foreach (RecordedUtterance u in utterances.Where(u => u.End == UtteranceEnd.Cut))
        {
            Assert.InRange(u.Pcm.Length, earliest, latest);
            long atCut = Energy.WindowAt(input, u.Offset + u.Pcm.Length);
            for (int length = earliest; length <= latest; length += step)
            {
                long there = Energy.WindowAt(input, u.Offset + length);
                Assert.True(atCut <= there, $"utterance {u.Index} cut at {u.Pcm.Length} B (window energy {atCut}), but the window at {length} B is quieter ({there})");
            }
        }
    }

    [Fact]
    public async Task A_cut_falls_in_a_pause_of_the_speech()
    {
        byte[] input = SpeechSynthesizer.Generate(5, TimeSpan.FromSeconds(60));
        double[] levels = Energy.WindowLevels(input);
        double loud = levels.OrderBy(l => l).ElementAt(levels.Length * 3 / 4);

        List<RecordedUtterance> utterances = await SegmenterHarness.SegmentAsync(input, Defaults);

        foreach (RecordedUtterance u in utterances.Where(u => u.End == UtteranceEnd.Cut))
        {
            double level = Math.Sqrt(Energy.WindowAt(input, u.Offset + u.Pcm.Length) / 1600.0);
            Assert.True(level < loud / 10, $"utterance {u.Index} cut at level {level:F0}; speech is around {loud:F0}");
        }
    }

    [Fact]
    public async Task A_discontinuity_ends_the_utterance_and_the_next_starts_after_the_gap()
    {
        byte[] input = SpeechSynthesizer.Generate(7, TimeSpan.FromSeconds(30));
        int nineSeconds = PcmFormat.BytesFor(TimeSpan.FromSeconds(9));
        await using var ring = new AudioRingBuffer(new AudioRingBufferOptions { MaxChunks = 500 }); // 10 s of frames
        SegmenterHarness.WriteFrames(ring, input[..nineSeconds]);
        var utterances = new List<RecordedUtterance>();
        var firstCut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task run = UtteranceSegmenter.RunAsync(ring, Defaults, new UtteranceBufferPool(), async (u, _) =>
        {
            utterances.Add(RecordedUtterance.Copy(u));
            if (u.Index == 0)
            {
                firstCut.SetResult();
                await release.Task; // the segmenter reads nothing while its callback runs
            }
        }, CancellationToken.None);

        await firstCut.Task.WaitAsync(TimeSpan.FromSeconds(30));
        long consumed = ring.ConsumedBytes;
        SegmenterHarness.WriteFrames(ring, input[nineSeconds..]); // 21 s more into a 10 s ring: the oldest is dropped
        ring.CompleteWriter();
        release.SetResult();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        long dropped = ring.DroppedBytes;
        Assert.True(dropped > 0);
        Assert.Equal(consumed, ring.LastGapOffset);
        byte[] expected = [.. input[..(int)consumed], .. input[(int)(consumed + dropped)..]];
        Assert.Equal(expected, SegmenterHarness.Concatenate(utterances));
        RecordedUtterance beforeGap = Assert.Single(utterances, u => u.End == UtteranceEnd.Discontinuity);
        Assert.Equal(consumed, beforeGap.Offset + beforeGap.Pcm.Length);
        RecordedUtterance afterGap = Assert.Single(utterances, u => u.AfterGap);
        Assert.Equal(beforeGap.Index + 1, afterGap.Index);
        Assert.Equal(consumed, afterGap.Offset);
        Assert.Equal(UtteranceEnd.Cut, utterances[0].End);
    }

    [Fact]
    public async Task Segmenting_while_a_producer_writes_on_another_thread_loses_nothing()
    {
        var streams = Enumerable.Range(10, 4).Select(async seed =>
        {
            byte[] input = SpeechSynthesizer.Generate(seed, TimeSpan.FromSeconds(40));
            await using var ring = SegmenterHarness.LargeRing();
            var utterances = new List<RecordedUtterance>();
            Task reader = Task.Run(() => UtteranceSegmenter.RunAsync(ring, Defaults, new UtteranceBufferPool(), (u, _) =>
            {
                utterances.Add(RecordedUtterance.Copy(u));
                return default;
            }, CancellationToken.None));
            Task writer = Task.Run(() =>
            {
                SegmenterHarness.WriteFrames(ring, input);
                ring.CompleteWriter();
            });
            await Task.WhenAll(reader, writer).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, ring.DroppedBytes);
            Assert.Equal(input, SegmenterHarness.Concatenate(utterances));
            Assert.All(utterances.Where(u => u.End == UtteranceEnd.Cut), u => Assert.InRange(u.Pcm.Length, PcmFormat.BytesFor(TimeSpan.FromSeconds(2)), PcmFormat.BytesFor(TimeSpan.FromSeconds(10))));
        });

        await Task.WhenAll(streams);
    }

    [Fact]
    public async Task Allocation_does_not_grow_with_the_audio_segmented()
    {
        byte[] shortInput = SpeechSynthesizer.Generate(3, TimeSpan.FromSeconds(20));
        byte[] longInput = SpeechSynthesizer.Generate(3, TimeSpan.FromSeconds(80));
        await SegmentSynchronouslyAsync(longInput); // warms the pools and the code paths

        (int shortCount, long shortAllocated) = await SegmentSynchronouslyAsync(shortInput);
        (int longCount, long longAllocated) = await SegmentSynchronouslyAsync(longInput);

        Assert.True(longCount > shortCount + 5, $"{shortCount} and {longCount} utterances");
        Assert.True(longAllocated <= shortAllocated, $"{shortAllocated} B for {shortCount} utterances, {longAllocated} B for {longCount}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stream_rents_its_buffer_from_the_pipelines_pool_and_returns_it_when_it_ends(bool cancelled)
    {
        byte[] input = SpeechSynthesizer.Generate(5, TimeSpan.FromSeconds(12));
        await using var ring = SegmenterHarness.LargeRing();
        SegmenterHarness.WriteFrames(ring, input);
        ring.CompleteWriter();
        var pool = new UtteranceBufferPool();
        using var cancel = new CancellationTokenSource();
        var rentedDuringCallback = new List<int>();

        Task run = UtteranceSegmenter.RunAsync(ring, Defaults, pool, (u, _) =>
        {
            rentedDuringCallback.Add(pool.Running);
            if (cancelled)
            {
                cancel.Cancel();
            }

            return default;
        }, cancel.Token).WaitAsync(TimeSpan.FromSeconds(30));
        if (cancelled)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        }
        else
        {
            await run;
        }

        // The utterances were cut in a buffer of the pool (not of ArrayPool<byte>.Shared), and it went back to the pool.
        Assert.NotEmpty(rentedDuringCallback);
        Assert.All(rentedDuringCallback, running => Assert.Equal(1, running));
        Assert.Equal((0, 1), (pool.Running, pool.Idle));
    }

    [Theory]
    [InlineData(nameof(SegmenterOptions.MinLength), 50, 5000, 10000)]
    [InlineData(nameof(SegmenterOptions.MinLength), 2005, 5000, 10000)]
    [InlineData(nameof(SegmenterOptions.TargetLength), 2000, 1000, 10000)]
    [InlineData(nameof(SegmenterOptions.MaxLength), 2000, 5000, 5020)]
    public async Task Invalid_options_are_rejected_by_name(string name, int minMs, int targetMs, int maxMs)
    {
        var options = new SegmenterOptions
        {
            MinLength = TimeSpan.FromMilliseconds(minMs),
            TargetLength = TimeSpan.FromMilliseconds(targetMs),
            MaxLength = TimeSpan.FromMilliseconds(maxMs),
        };
        await using var ring = SegmenterHarness.LargeRing();

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => UtteranceSegmenter.RunAsync(ring, options, new UtteranceBufferPool(), (_, _) => default, CancellationToken.None));

        Assert.Equal(name, error.ParamName);
    }

    /// <summary>
    /// Segments a stream written in full beforehand with a callback that completes at once: the whole run then
    /// completes synchronously on this thread, so this thread's allocation counter sees all of it.
    /// </summary>
    private static async Task<(int Utterances, long Allocated)> SegmentSynchronouslyAsync(byte[] input)
    {
        await using var ring = SegmenterHarness.LargeRing();
        SegmenterHarness.WriteFrames(ring, input);
        ring.CompleteWriter();
        int count = 0;
        Func<Utterance, CancellationToken, ValueTask> onUtterance = (_, _) =>
        {
            count++;
            return default;
        };
        long before = GC.GetAllocatedBytesForCurrentThread();
        Task run = UtteranceSegmenter.RunAsync(ring, Defaults, new UtteranceBufferPool(), onUtterance, CancellationToken.None);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(run.IsCompletedSuccessfully);
        await run;
        return (count, allocated);
    }
}
