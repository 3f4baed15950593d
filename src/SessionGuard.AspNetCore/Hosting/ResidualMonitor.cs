using System.Threading;

namespace SessionGuard.AspNetCore.Hosting;

/// <summary>Keeps the residual check made when the registry's last session ended, for the health check.</summary>
internal sealed class ResidualMonitor
{
    private readonly SessionRegistry _registry;
    private ResidualReport? _last;

    public ResidualMonitor(SessionRegistry registry)
    {
        _registry = registry;
        registry.SessionEnded += (_, _) =>
        {
            if (_registry.ActiveCount == 0)
            {
                Check();
            }
        };
    }

    /// <summary>The last residual check made with no session open; null before the first.</summary>
    public ResidualReport? Last => Volatile.Read(ref _last);

    /// <summary>Checks now if no session is open (what an owner holds then is a leak) and keeps the result.</summary>
    public void Check()
    {
        var report = _registry.CheckResiduals();
        if (report.ActiveSessions == 0)
        {
            Volatile.Write(ref _last, report);
        }
    }
}
