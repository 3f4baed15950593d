using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace SessionGuard.AspNetCore.SignalR;

/// <summary>
/// Makes each hub connection a session: opened before the hub's <c>OnConnectedAsync</c>, touched and tracked by every
/// invocation, ended after the hub's <c>OnDisconnectedAsync</c>. When the server ends the session, the connection is
/// aborted, which cancels its streams.
/// </summary>
internal sealed class SessionGuardHubFilter : IHubFilter
{
    internal static readonly object ItemKey = new();

    private readonly SessionRegistry _registry;
    private readonly SessionGuardHubOptions _options;
    private readonly ConcurrentDictionary<SessionId, HubCallerContext> _connected = new();

    public SessionGuardHubFilter(SessionRegistry registry, IOptions<SessionGuardHubOptions> options)
    {
        _registry = registry;
        _options = options.Value;
        _options.Validate();
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var caller = context.Context;
        string? text = _options.SessionId is { } select ? select(caller) : caller.ConnectionId;
        if (!SessionId.TryParse(text, out var id))
        {
            throw new HubException("The connection carries no valid session id.");
        }

        if (!_connected.TryAdd(id, caller))
        {
            throw new HubException("This session is already connected.");
        }

        HubSession? state = null;
        try
        {
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
            var session = await _registry.GetOrOpenAsync(id, timeout.Token).ConfigureAwait(false);
            state = new HubSession(session, session.Ending.UnsafeRegister(static s => ((HubCallerContext)s!).Abort(), caller));
            caller.Items[ItemKey] = state;
            await next(context).ConfigureAwait(false);
        }
        catch
        {
            _connected.TryRemove(new(id, caller));
            if (state is not null)
            {
                caller.Items.Remove(ItemKey);
                state.Registration.Dispose();
                await state.Session.EndAsync(SessionEndReason.Closed).ConfigureAwait(false);
            }

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
                state.Registration.Dispose();
                _connected.TryRemove(new(state.Session.Id, caller));
                await state.Session.EndAsync(Lost(caller, exception) ? SessionEndReason.Disconnected : SessionEndReason.Closed).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Whether the connection was lost rather than closed: SignalR passes an exception for a transport failure, but its
    /// WebSocket transport reports a connection dropped without a close frame, and a client timeout, with none; the
    /// request was aborted then, while a clean stop completes the close handshake on a live request.
    /// </summary>
    private static bool Lost(HubCallerContext caller, Exception? exception) =>
        exception is not null || caller.GetHttpContext()?.RequestAborted.IsCancellationRequested == true;

    internal sealed class HubSession
    {
        public HubSession(Session session, CancellationTokenRegistration registration)
        {
            Session = session;
            Registration = registration;
        }

        public Session Session { get; }

        public CancellationTokenRegistration Registration { get; }
    }

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
