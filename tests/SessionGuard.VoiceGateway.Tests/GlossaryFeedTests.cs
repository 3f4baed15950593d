using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Glossary;

namespace SessionGuard.VoiceGateway.Tests;

public class GlossaryFeedTests
{
    [Fact]
    public void A_subscription_receives_updates_until_disposed()
    {
        var feed = new GlossaryFeed();
        var glossary = new SessionGlossary();
        IDisposable subscription = feed.Subscribe(glossary.OnUpdated);

        feed.Publish("call", "appel");
        subscription.Dispose();
        subscription.Dispose();
        feed.Publish("order", "commande");

        Assert.Equal(1, glossary.Count);
        Assert.Equal(0, feed.SubscriberCount);
    }

    [Fact]
    public async Task Subscribing_and_unsubscribing_from_many_threads_while_publishing_leaves_no_handler()
    {
        var feed = new GlossaryFeed();
        using var stop = new CancellationTokenSource();
        Task publisher = Task.Run(() =>
        {
            int n = 0;
            while (!stop.IsCancellationRequested)
            {
                feed.Publish("term" + (n++ % 10), "x");
            }
        });

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 5000; i++)
            {
                var glossary = new SessionGlossary();
                using (feed.Subscribe(glossary.OnUpdated))
                {
                    Assert.True(feed.SubscriberCount >= 1);
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await publisher.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, feed.SubscriberCount);
    }
}
