using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard.Internals;

/// <summary>
/// The parts of a <c>[SessionScoped]</c> owner's release that are the same for every owner: disposing a removed value,
/// recording a failure, awaiting disposals that did not complete at once. For the code the SessionGuard generator
/// emits; not meant to be called from user code, and may change with the generator that ships in the same package.
/// </summary>
/// <remarks>
/// A failure goes to the release's <see cref="SessionReleaseContext"/> when there is one, otherwise into
/// <c>failures</c>, which <see cref="Complete"/> turns into a <see cref="SessionReleaseException"/>. A disposal that
/// does not complete synchronously is added to <c>pending</c> and awaited by <see cref="Complete"/>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SessionScopedRelease
{
    /// <summary>For generated code: a typed default to declare the <c>out</c> variable of a dictionary's removal with.
    /// Typed by inference from <paramref name="dictionary"/>, so that the generated code needs no type names.</summary>
    /// <typeparam name="TKey">The dictionary's key type.</typeparam>
    /// <typeparam name="TValue">The dictionary's value type.</typeparam>
    /// <param name="dictionary">The dictionary; not read.</param>
    /// <returns>The default of <typeparamref name="TValue"/>.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static TValue NoValue<TKey, TValue>(IDictionary<TKey, TValue> dictionary) => default!;

    /// <summary>For generated code: a typed null list to collect the matches of a composite-key scan in. Typed by
    /// inference from <paramref name="items"/>, so that the generated code needs no type names.</summary>
    /// <typeparam name="TItem">The collection's element type.</typeparam>
    /// <param name="items">The collection; not read.</param>
    /// <returns>Null.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static List<TItem>? NoMatches<TItem>(IEnumerable<TItem> items) => null;

    /// <summary>For generated code: the exception for a member index outside the owner's members.</summary>
    /// <param name="index">The index that was passed.</param>
    /// <param name="memberCount">The owner's <see cref="ISessionScoped.MemberCount"/>.</param>
    /// <returns>An <see cref="ArgumentOutOfRangeException"/> naming <c>index</c>, its value and the member count.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static ArgumentOutOfRangeException IndexOutOfRange(int index, int memberCount) =>
        new(nameof(index), index, $"The index must be at least 0 and less than MemberCount ({memberCount}).");

    /// <summary>For generated code: disposes a removed value (nothing when it is null); a failure is recorded.</summary>
    /// <typeparam name="TDisposable">The value's static type.</typeparam>
    /// <param name="value">The removed value.</param>
    /// <param name="member">The name of the member it was removed from.</param>
    /// <param name="context">The release's context, or null.</param>
    /// <param name="failures">The failures so far, created on the first one when <paramref name="context"/> is null.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Dispose<TDisposable>(TDisposable value, string member, SessionReleaseContext? context, ref List<Exception>? failures)
        where TDisposable : IDisposable
    {
        if (value is null)
        {
            return;
        }

        try
        {
            value.Dispose();
        }
        catch (Exception error)
        {
            Fail(error, member, context, ref failures);
        }
    }

    /// <summary>For generated code: starts disposing a removed value (nothing when it is null). A disposal that
    /// completed is observed at once; one that did not is added to <paramref name="pending"/>; a failure is recorded.</summary>
    /// <typeparam name="TDisposable">The value's static type.</typeparam>
    /// <param name="value">The removed value.</param>
    /// <param name="member">The name of the member it was removed from.</param>
    /// <param name="context">The release's context, or null.</param>
    /// <param name="failures">The failures so far, created on the first one when <paramref name="context"/> is null.</param>
    /// <param name="pending">The disposals still running, created on the first one.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void DisposeAsync<TDisposable>(TDisposable value, string member, SessionReleaseContext? context, ref List<Exception>? failures, ref List<(string Member, ValueTask Disposal)>? pending)
        where TDisposable : IAsyncDisposable
    {
        if (value is null)
        {
            return;
        }

        try
        {
            ValueTask disposal = value.DisposeAsync();
            if (disposal.IsCompleted)
            {
                disposal.GetAwaiter().GetResult();
            }
            else
            {
                (pending ??= new List<(string Member, ValueTask Disposal)>()).Add((member, disposal));
            }
        }
        catch (Exception error)
        {
            Fail(error, member, context, ref failures);
        }
    }

    /// <summary>For generated code: cancels, then disposes a removed <see cref="CancellationTokenSource"/> (nothing when
    /// it is null); a failure of either is recorded, and a failed cancellation does not prevent the disposal.</summary>
    /// <param name="value">The removed source.</param>
    /// <param name="member">The name of the member it was removed from.</param>
    /// <param name="context">The release's context, or null.</param>
    /// <param name="failures">The failures so far, created on the first one when <paramref name="context"/> is null.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void CancelAndDispose(CancellationTokenSource? value, string member, SessionReleaseContext? context, ref List<Exception>? failures)
    {
        if (value is null)
        {
            return;
        }

        try
        {
            value.Cancel();
        }
        catch (Exception error)
        {
            Fail(error, member, context, ref failures);
        }

        Dispose(value, member, context, ref failures);
    }

    /// <summary>For generated code: releases a removed value whose static type does not tell whether it is disposable.
    /// An <see cref="IAsyncDisposable"/> as <see cref="DisposeAsync"/>, a <see cref="CancellationTokenSource"/> as
    /// <see cref="CancelAndDispose"/>, a <see cref="Task"/> not at all (tasks must not be disposed), any other
    /// <see cref="IDisposable"/> disposed; a failure is recorded.</summary>
    /// <param name="value">The removed value.</param>
    /// <param name="member">The name of the member it was removed from.</param>
    /// <param name="context">The release's context, or null.</param>
    /// <param name="failures">The failures so far, created on the first one when <paramref name="context"/> is null.</param>
    /// <param name="pending">The disposals still running, created on the first one.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void DisposeAny(object? value, string member, SessionReleaseContext? context, ref List<Exception>? failures, ref List<(string Member, ValueTask Disposal)>? pending)
    {
        switch (value)
        {
            case IAsyncDisposable asyncDisposable:
                DisposeAsync(asyncDisposable, member, context, ref failures, ref pending);
                break;
            case CancellationTokenSource source:
                CancelAndDispose(source, member, context, ref failures);
                break;
            case Task:
                break; // tasks must not be disposed
            case IDisposable disposable:
                Dispose(disposable, member, context, ref failures);
                break;
        }
    }

    /// <summary>For generated code: ends a release. Awaits the disposals that did not complete synchronously, in
    /// order, recording each failure; then completes with <paramref name="total"/>, or faults with a
    /// <see cref="SessionReleaseException"/> when failures were collected (only without a context). Completes
    /// synchronously when nothing is pending.</summary>
    /// <param name="session">The released session.</param>
    /// <param name="total">The entries the release removed.</param>
    /// <param name="pending">The disposals still running, or null.</param>
    /// <param name="failures">The failures so far, or null.</param>
    /// <param name="context">The release's context, or null.</param>
    /// <returns><paramref name="total"/>.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static ValueTask<int> Complete(SessionId session, int total, List<(string Member, ValueTask Disposal)>? pending, List<Exception>? failures, SessionReleaseContext? context)
    {
        if (pending is not null)
        {
            return AwaitPendingAsync(session, total, pending, failures, context);
        }

        if (failures is not null)
        {
            return ValueTask.FromException<int>(new SessionReleaseException(session, total, failures));
        }

        return new ValueTask<int>(total);
    }

    private static async ValueTask<int> AwaitPendingAsync(SessionId session, int total, List<(string Member, ValueTask Disposal)> pending, List<Exception>? failures, SessionReleaseContext? context)
    {
        foreach (var (member, disposal) in pending)
        {
            try
            {
                await disposal.ConfigureAwait(false);
            }
            catch (Exception error)
            {
                Fail(error, member, context, ref failures);
            }
        }

        if (failures is not null)
        {
            throw new SessionReleaseException(session, total, failures);
        }

        return total;
    }

    private static void Fail(Exception error, string member, SessionReleaseContext? context, ref List<Exception>? failures)
    {
        if (context is null)
        {
            (failures ??= new List<Exception>()).Add(error);
        }
        else
        {
            context.Failed(member, error);
        }
    }
}
