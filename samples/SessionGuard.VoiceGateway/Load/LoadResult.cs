using System.Collections.Generic;
using System.Linq;

namespace SessionGuard.VoiceGateway.Load;

/// <summary>
/// What the load driver did: clients per way of leaving (those that got through), text frames received, connects the
/// server refused, connections it broke off in the middle (a send or close that failed), and first connections of
/// duplicate clients that the server closed as replaced by the newer one (with a close frame: not broken off).
/// </summary>
internal sealed record LoadResult(IReadOnlyDictionary<DisconnectKind, int> Clients, long TextFramesReceived, int ConnectsRefused, int ConnectionsBroken, int Replaced = 0)
{
    public int Total => Clients.Values.Sum();

    public override string ToString() =>
        $"{Total} clients ({string.Join(", ", Clients.Select(c => $"{c.Key} {c.Value}"))}), {TextFramesReceived} text frames received, {ConnectsRefused} connects refused, {ConnectionsBroken} connections broken, {Replaced} replaced";
}
