using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

public class EndReasonTests
{
    [Fact]
    public void Every_end_reason_has_its_own_snake_case_metric_tag()
    {
        var tags = new HashSet<string>();
        foreach (var reason in Enum.GetValues<SessionEndReason>())
        {
            string tag = (string)RegistryInstruments.ReasonTag(reason).Value!;
            Assert.Matches("^[a-z]+(_[a-z]+)*$", tag);
            Assert.True(tags.Add(tag), $"{reason} shares its tag '{tag}'");
        }

        Assert.Equal("moved_to_another_node", RegistryInstruments.ReasonTag(SessionEndReason.MovedToAnotherNode).Value);
        Assert.Equal("node_lost", RegistryInstruments.ReasonTag(SessionEndReason.NodeLost).Value);
    }

    [Theory]
    [InlineData(SessionEndReason.MovedToAnotherNode)]
    [InlineData(SessionEndReason.NodeLost)]
    public async Task A_cluster_reason_is_recorded_on_the_session_and_in_its_report(SessionEndReason reason)
    {
        await using var registry = new SessionRegistry();
        var session = registry.Open(SessionId.New());
        var report = await registry.EndAsync(session.Id, reason);
        Assert.NotNull(report);
        Assert.Equal(reason, report.Reason);
        Assert.Equal(reason, session.EndReason);
        Assert.False(registry.IsActive(session.Id));
    }
}
