using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.SignalR;

namespace SessionGuard.AspNetCore.SignalR;

/// <summary>
/// One hub connection of a session, kept in <see cref="HubCallerContext.Items"/> from the filter's
/// <c>OnConnectedAsync</c> to its <c>OnDisconnectedAsync</c>.
/// </summary>
internal sealed class HubSession
{
    private readonly TaskCompletionSource _detached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _endingRegistration;
    private int _superseded;

    public HubSession(HubSessionBinding binding, HubCallerContext caller, bool resumed)
    {
        Binding = binding;
        Caller = caller;
        Resumed = resumed;
        // When the server ends the session (idle, evicted, shutdown) the connection is aborted, which cancels its streams.
        _endingRegistration = binding.Session.Ending.UnsafeRegister(static s => ((HubCallerContext)s!).Abort(), caller);
    }

    public HubSessionBinding Binding { get; }

    public Session Session => Binding.Session;

    public HubCallerContext Caller { get; }

    /// <summary>True when the session existed before this connection (a reconnect within the grace).</summary>
    public bool Resumed { get; }

    /// <summary>A newer connection for the session asked this one to go: its end is a lost connection, not a close.</summary>
    public bool Superseded => Volatile.Read(ref _superseded) != 0;

    /// <summary>Completes when the connection has left its binding.</summary>
    public Task Detached => _detached.Task;

    public void Supersede() => Volatile.Write(ref _superseded, 1);

    /// <summary>Called once, by the binding, when the connection leaves it.</summary>
    public void OnDetached()
    {
        _endingRegistration.Dispose();
        _detached.TrySetResult();
    }
}
