using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace SessionGuard.AspNetCore.SignalR;

/// <summary>
/// Makes each hub connection a session: opened before the hub's <c>OnConnectedAsync</c>, touched and tracked by every
/// invocation, ended after the hub's <c>OnDisconnectedAsync</c> (or kept for the reconnect grace when the connection was
/// lost; <see cref="HubSessionBinding"/> decides). When the server ends the session, the connection is aborted, which
/// cancels its streams.
/// </summary>
internal sealed class SessionGuardHubFilter : IHubFilter
{
    internal static readonly object ItemKey = new();

    private readonly ISessionOpener _opener;
    private readonly ConcurrentDictionary<SessionId, HubSessionBinding> _bindings = new();

    public SessionGuardHubFilter(ISessionOpener opener, IOptions<SessionGuardHubOptions> options, TimeProvider time)
    {
        _opener = opener;
        Options = options.Value;
        Options.Validate();
        Time = time;
    }

    public SessionGuardHubOptions Options { get; }

    public TimeProvider Time { get; }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var caller = context.Context;
        string? text = Options.SessionId is { } select ? select(caller) : caller.ConnectionId;
        if (!SessionId.TryParse(text, out var id))
        {
            throw new HubException("The connection carries no valid session id.");
        }

        var state = await AttachAsync(id, caller).ConfigureAwait(false);
        caller.Items[ItemKey] = state;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch
        {
            // The hub refused the connection: the session ends (SignalR runs no OnDisconnectedAsync for it).
            caller.Items.Remove(ItemKey);
            await state.Binding.DetachAsync(state, lost: false).ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (invocationContext.Context.Items.TryGetValue(ItemKey, out var item) is false || item is not HubSession state)
        {
            return await next(invocationContext).ConfigureAwait(false);
        }

        var session = state.Session;
        session.Touch();
        var invocation = new Invocation(invocationContext, next);
        try
        {
            // Session work: teardown waits for it (bounded) and its faults are counted in the report.
            await session.Run(invocation.RunAsync, invocationContext.HubMethodName).ConfigureAwait(false);
        }
        catch (ObjectDisposedException) when (!session.IsActive && !invocation.Started)
        {
            throw new HubException("The session has ended.");
        }

        return invocation.Result;
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception).ConfigureAwait(false);
        }
        finally
        {
            var caller = context.Context;
            if (caller.Items.TryGetValue(ItemKey, out var item) && item is HubSession state)
            {
                caller.Items.Remove(ItemKey);
                await state.Binding.DetachAsync(state, Lost(caller, exception)).ConfigureAwait(false);
            }
        }
    }

    internal void Forget(HubSessionBinding binding) =>
        _bindings.TryRemove(new(binding.Session.Id, binding));

    /// <summary>
    /// Finds or opens the session and makes the connection its only one; refuses a duplicate (without a reconnect grace)
    /// and a wait past <see cref="SessionGuardHubOptions.ConnectTimeout"/>.
    /// </summary>
    private async Task<HubSession> AttachAsync(SessionId id, HubCallerContext caller)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(caller.ConnectionAborted);
        bound.CancelAfter(Options.ConnectTimeout);
        try
        {
            while (true)
            {
                var session = await _opener.GetOrOpenAsync(id, bound.Token).ConfigureAwait(false);
                var binding = BindingOf(session);
                if (binding is null)
                {
                    // The session began ending before we could attach to it: the next GetOrOpenAsync waits for its end.
                    continue;
                }

                var (connection, retry) = await binding.AttachAsync(caller, bound.Token).ConfigureAwait(false);
                if (connection is not null)
                {
                    return connection;
                }

                if (!retry)
                {
                    throw new HubException(Refusals.AlreadyConnected);
                }
            }
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested && !caller.ConnectionAborted.IsCancellationRequested)
        {
            throw new HubException(Refusals.PreviousStillEnding);
        }
        catch (SessionOpenRefusedException ex)
        {
            throw new HubException(ex.IsTransient ? Refusals.CannotClaimNow : Refusals.ConnectedElsewhere);
        }
        catch (SessionLimitExceededException)
        {
            throw new HubException(Refusals.AtSessionLimit);
        }
        catch (ObjectDisposedException)
        {
            throw new HubException(Refusals.ShuttingDown);
        }
    }

    private HubSessionBinding? BindingOf(Session session)
    {
        HubSessionBinding? candidate = null;
        while (true)
        {
            candidate ??= new HubSessionBinding(this, session);
            var current = _bindings.GetOrAdd(session.Id, candidate);
            if (!ReferenceEquals(current, candidate))
            {
                if (ReferenceEquals(current.Session, session))
                {
                    return current;
                }

                // A binding of an older session with this id whose teardown has not reached it yet.
                if (!_bindings.TryUpdate(session.Id, candidate, current))
                {
                    continue;
                }
            }

            try
            {
                // The session owns its binding (once): its teardown stops the grace timer and aborts the connection.
                session.Own(candidate);
                return candidate;
            }
            catch (ObjectDisposedException)
            {
                // Ending already; Own disposed the binding, which removed itself.
                return null;
            }
        }
    }

    /// <summary>
    /// Whether the connection was lost rather than closed: SignalR passes an exception for a transport failure and a
    /// client timeout, but its WebSocket transport reports a connection dropped without a close frame with none; the
    /// request was aborted then, while a clean stop completes the close handshake on a live request. SignalR offers no
    /// public sign of the client's close message, so a clean stop whose client closed its TCP connection before this
    /// runs also looks lost (see docs/aspnetcore.md).
    /// </summary>
    private static bool Lost(HubCallerContext caller, Exception? exception) =>
        exception is not null || caller.GetHttpContext()?.RequestAborted.IsCancellationRequested == true;

    private sealed class Invocation
    {
        private readonly HubInvocationContext _context;
        private readonly Func<HubInvocationContext, ValueTask<object?>> _next;

        public Invocation(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
        {
            _context = context;
            _next = next;
        }

        public bool Started { get; private set; }

        public object? Result { get; private set; }

        public async Task RunAsync(CancellationToken ct)
        {
            Started = true;
            Result = await _next(_context).ConfigureAwait(false);
        }
    }
}
