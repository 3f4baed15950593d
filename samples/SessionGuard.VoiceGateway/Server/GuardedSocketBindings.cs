using System.Collections.Concurrent;
using System.Net.WebSockets;
using SessionGuard.VoiceGateway.Guarded;

namespace SessionGuard.VoiceGateway.Server;

/// <summary>Each guarded session's <see cref="GuardedSocketBinding"/>, released by the registry when the session ends.</summary>
internal sealed partial class GuardedSocketBindings
{
    [SessionScoped] private readonly ConcurrentDictionary<SessionId, GuardedSocketBinding> _bindings = new();
    private readonly GuardedPipeline _pipeline;

    public GuardedSocketBindings(GuardedPipeline pipeline) => _pipeline = pipeline;

    /// <summary>The session's binding, created on its first connection, moved to <paramref name="socket"/> on a later one.</summary>
    public GuardedSocketBinding Bind(Session session, WebSocket socket)
    {
        if (_bindings.TryGetValue(session.Id, out GuardedSocketBinding? binding))
        {
            binding.Rebind(socket);
            return binding;
        }

        binding = new GuardedSocketBinding(_pipeline, session, socket);
        _bindings[session.Id] = binding;
        return binding;
    }
}
