using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using SessionGuard.VoiceGateway.Translation;

namespace SessionGuard.VoiceGateway.Tests;

public class FlakyTranslatorTests
{
    [Fact]
    public async Task The_share_of_failures_follows_the_option_and_the_seed_repeats_it()
    {
        var options = new FlakyTranslatorOptions { Seed = 5, FailureShare = 0.2, SlowShare = 0 };

        bool[] first = await OutcomesAsync(new FlakyTranslator(options), 2000);
        bool[] again = await OutcomesAsync(new FlakyTranslator(options), 2000);
        bool[] otherSeed = await OutcomesAsync(new FlakyTranslator(new FlakyTranslatorOptions { Seed = 6, FailureShare = 0.2, SlowShare = 0 }), 2000);

        Assert.Equal(first, again);
        Assert.NotEqual(first, otherSeed);
        Assert.InRange(first.Count(failed => failed), 340, 460);
    }

    [Fact]
    public async Task A_slow_call_waits_for_its_latency_and_can_be_cancelled()
    {
        var time = new FakeTimeProvider();
        var translator = new FlakyTranslator(new FlakyTranslatorOptions { SlowShare = 1, FailureShare = 0, SlowLatency = TimeSpan.FromSeconds(10), TimeProvider = time });

        Task<string> finishing = translator.TranslateAsync("hello", "fr", CancellationToken.None);
        using var cts = new CancellationTokenSource();
        Task<string> cancelled = translator.TranslateAsync("hello", "de", cts.Token);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(finishing.IsCompleted);
        Assert.Equal(2, translator.InFlight);

        await cts.CancelAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("[fr] hello", await finishing.WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, translator.InFlight);
        Assert.Equal(1, translator.Cancelled);
    }

    [Theory]
    [InlineData(nameof(FlakyTranslatorOptions.FailureShare), 1.5, 0)]
    [InlineData(nameof(FlakyTranslatorOptions.SlowShare), 0.6, 0.6)]
    public void Invalid_shares_are_rejected_by_name(string name, double failures, double slow)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FlakyTranslator(new FlakyTranslatorOptions { FailureShare = failures, SlowShare = slow }));
        Assert.Equal(name, error.ParamName);
    }

    private static async Task<bool[]> OutcomesAsync(FlakyTranslator translator, int calls)
    {
        var failed = new bool[calls];
        for (int i = 0; i < calls; i++)
        {
            try
            {
                await translator.TranslateAsync("text " + i, "fr", CancellationToken.None);
            }
            catch (TranslationFailedException)
            {
                failed[i] = true;
            }
        }

        return failed;
    }
}
