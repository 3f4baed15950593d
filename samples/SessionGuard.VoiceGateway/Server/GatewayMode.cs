namespace SessionGuard.VoiceGateway.Server;

/// <summary>Which server the gateway runs.</summary>
internal enum GatewayMode
{
    /// <summary>SessionGuard.AspNetCore's WebSocket endpoint and the guarded pipeline.</summary>
    Guarded,

    /// <summary>A plain ASP.NET Core WebSocket handler and the naive pipeline.</summary>
    Naive,
}
