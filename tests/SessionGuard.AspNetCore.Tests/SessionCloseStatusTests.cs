using System;
using System.Net.WebSockets;

namespace SessionGuard.AspNetCore.Tests;

public class SessionCloseStatusTests
{
    [Theory]
    [InlineData(SessionEndReason.Closed, WebSocketCloseStatus.NormalClosure)]
    [InlineData(SessionEndReason.IdleExpired, WebSocketCloseStatus.EndpointUnavailable)]
    [InlineData(SessionEndReason.Evicted, SessionCloseStatus.TryAgainLater)]
    [InlineData(SessionEndReason.Shutdown, WebSocketCloseStatus.EndpointUnavailable)]
    [InlineData(SessionEndReason.Disconnected, WebSocketCloseStatus.EndpointUnavailable)]
    [InlineData(SessionEndReason.NodeLost, WebSocketCloseStatus.EndpointUnavailable)]
    [InlineData(SessionEndReason.MovedToAnotherNode, WebSocketCloseStatus.PolicyViolation)]
    public void Each_end_reason_closes_with_its_documented_status(SessionEndReason reason, WebSocketCloseStatus expected)
    {
        var (status, description) = SessionCloseStatus.For(reason);
        Assert.Equal(expected, status);
        Assert.False(string.IsNullOrWhiteSpace(description));
    }

    [Fact]
    public void Every_end_reason_is_covered_by_the_table_above()
    {
        Assert.Equal(7, Enum.GetValues<SessionEndReason>().Length);
    }
}
