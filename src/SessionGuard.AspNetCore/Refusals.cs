namespace SessionGuard.AspNetCore;

/// <summary>
/// Why a connection is refused, in the words a client reads: the WebSocket endpoint's response body and the SignalR hub
/// filter's <c>HubException</c> say the same thing for the same cause.
/// </summary>
internal static class Refusals
{
    public const string AtSessionLimit = "The server is at its session limit; try again later.";

    public const string CannotClaimNow = "The server cannot claim the session now; try again later.";

    public const string ConnectedElsewhere = "This session is connected to another server.";

    public const string AlreadyConnected = "This session is already connected.";

    public const string ShuttingDown = "The server is shutting down.";

    public const string PreviousStillEnding = "The previous connection of this session is still ending.";
}
