namespace SessionGuard.AspNetCore;

/// <summary>Registered by <c>AddSessionGuardAspNetCore</c>: the endpoints check that the shutdown service is there.</summary>
internal sealed class SessionGuardAspNetCoreMarker
{
}
