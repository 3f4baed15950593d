using System;
using System.Threading;

namespace SessionGuard.VoiceGateway.Glossary;

/// <summary>
/// The process-wide "glossary updated" event every session listens to. It lives as long as the server, so a
/// session's handler stays reachable (with everything it captured) until it is removed.
/// </summary>
internal sealed class GlossaryFeed
{
    /// <summary>Raised for every <see cref="Publish"/> (a field-like event: adding and removing are thread-safe).</summary>
    public event EventHandler<GlossaryUpdatedEventArgs>? Updated;

    /// <summary>Handlers subscribed now.</summary>
    public int SubscriberCount => Volatile.Read(ref Updated)?.GetInvocationList().Length ?? 0;

    /// <summary>Subscribes <paramref name="handler"/> until the returned object is disposed.</summary>
    public IDisposable Subscribe(EventHandler<GlossaryUpdatedEventArgs> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Updated += handler;
        return new Subscription(this, handler);
    }

    /// <summary>Tells every subscriber that <paramref name="term"/> now translates as <paramref name="translation"/>.</summary>
    public void Publish(string term, string translation) => Volatile.Read(ref Updated)?.Invoke(this, new GlossaryUpdatedEventArgs(term, translation));

    private sealed class Subscription(GlossaryFeed feed, EventHandler<GlossaryUpdatedEventArgs> handler) : IDisposable
    {
        private GlossaryFeed? _feed = feed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _feed, null) is { } owner)
            {
                owner.Updated -= handler;
            }
        }
    }
}
