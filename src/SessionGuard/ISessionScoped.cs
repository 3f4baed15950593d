using System.Collections.Generic;
using System.Threading.Tasks;

namespace SessionGuard;

/// <summary>
/// An owner of per-session state. The SessionGuard source generator implements it for every partial type with
/// <see cref="SessionScopedAttribute"/> members; hand-written owners implement it themselves. Owners join a
/// <see cref="SessionRegistry"/> with <see cref="SessionRegistry.Register(ISessionScoped)"/> (or through
/// dependency injection) and are released at the end of every session.
/// </summary>
public interface ISessionScoped
{
    /// <summary>
    /// Removes everything this owner holds for <paramref name="session"/> and disposes the removed values.
    /// </summary>
    /// <param name="session">The session that ended.</param>
    /// <returns>How many entries were removed.</returns>
    /// <exception cref="SessionReleaseException">
    /// Disposing one or more removed values failed; every entry was still removed, and the exception carries
    /// the count and the failures.
    /// </exception>
    ValueTask<int> ReleaseSessionAsync(SessionId session);

    /// <summary>
    /// Removes everything this owner holds for <paramref name="session"/>, reporting per member what was removed
    /// and what failed to <paramref name="context"/> instead of throwing.
    /// </summary>
    /// <param name="session">The session that ended.</param>
    /// <param name="context">Receives removed counts and failures per member.</param>
    /// <returns>How many entries were removed.</returns>
    /// <remarks>
    /// The default implementation calls <see cref="ReleaseSessionAsync(SessionId)"/> and reports its total under
    /// the member name <c>*</c>. Generated owners report each member by name.
    /// </remarks>
    async ValueTask<int> ReleaseSessionAsync(SessionId session, SessionReleaseContext context)
    {
        try
        {
            int removed = await ReleaseSessionAsync(session).ConfigureAwait(false);
            context.EntriesRemoved("*", removed);
            return removed;
        }
        catch (SessionReleaseException ex)
        {
            context.EntriesRemoved("*", ex.EntriesRemoved);
            foreach (var inner in ex.InnerExceptions)
            {
                context.Failed("*", inner);
            }

            return ex.EntriesRemoved;
        }
    }

    /// <summary>The number of members that hold per-session entries; fixed for the owner's lifetime.</summary>
    int MemberCount { get; }

    /// <summary>The name of member <paramref name="index"/> (0 ≤ index &lt; <see cref="MemberCount"/>).</summary>
    string GetMemberName(int index);

    /// <summary>How many entries member <paramref name="index"/> holds now, for all sessions together. Allocates nothing.</summary>
    int GetLiveEntryCount(int index);

    /// <summary>
    /// Adds to <paramref name="sessions"/> the session of every entry member <paramref name="index"/> holds now, so
    /// that the residual check can name leftover sessions. A string key that is not a valid id is left out.
    /// </summary>
    /// <param name="index">The member (0 ≤ index &lt; <see cref="MemberCount"/>).</param>
    /// <param name="sessions">Receives the sessions; a set removes duplicates.</param>
    /// <remarks>
    /// Generated owners implement it for every member. The default adds nothing: the residual check then reports a
    /// hand-written owner's members by count only.
    /// </remarks>
    void CollectLiveSessions(int index, ICollection<SessionId> sessions)
    {
    }
}
