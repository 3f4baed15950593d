using System;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

/// <summary>The text of reports that end up in logs: counted nouns agree with their number, lists end cleanly.</summary>
public class ReportTextTests
{
    [Fact]
    public void A_residual_report_with_one_member_says_member_and_ends_without_a_separator()
    {
        var report = new ResidualReport(1, new[] { new ResidualEntry("MapOwner", "LastText", 1) });
        Assert.Equal("1 owner member holds entries (1 session open): MapOwner.LastText=1", report.ToString());
    }

    [Fact]
    public void A_residual_report_with_several_members_lists_them_separated()
    {
        var report = new ResidualReport(0, new[] { new ResidualEntry("MapOwner", "LastText", 1), new ResidualEntry("MapOwner", "Counters", 3) });
        Assert.Equal("2 owner members hold entries (0 sessions open): MapOwner.LastText=1, MapOwner.Counters=3", report.ToString());
    }

    [Fact]
    public void A_clean_residual_report_says_so()
    {
        Assert.Equal("clean: no owner holds per-session entries (1 session open)", new ResidualReport(1, Array.Empty<ResidualEntry>()).ToString());
    }

    [Fact]
    public void A_teardown_report_of_one_of_each_uses_the_singular()
    {
        var report = new SessionTeardownReport(
            SessionId.Parse("s1"), SessionEndReason.Closed, tasksStarted: 1, tasksFaulted: 0, tasksCancelled: 1,
            Array.Empty<string>(), new[] { new OwnerEntriesRemoved("MapOwner", "LastText", 1) }, resourcesDisposed: 1,
            tempFilesDeleted: 1, new[] { new TeardownFailure(TeardownStage.DisposeResources, "socket", new InvalidOperationException("x")) },
            TimeSpan.FromMilliseconds(2));
        string text = report.ToString();
        Assert.StartsWith("session s1 ended (Closed) in 2 ms: 1 task started, 1 cancelled, 0 faulted, 0 missed the drain; 1 resource disposed; 1 temp file deleted; 1 entry removed (MapOwner.LastText=1); 1 failure", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_teardown_report_of_two_of_each_uses_the_plural()
    {
        var report = new SessionTeardownReport(
            SessionId.Parse("s2"), SessionEndReason.Closed, tasksStarted: 2, tasksFaulted: 0, tasksCancelled: 2,
            Array.Empty<string>(), new[] { new OwnerEntriesRemoved("MapOwner", "LastText", 2) }, resourcesDisposed: 2,
            tempFilesDeleted: 2, Array.Empty<TeardownFailure>(), TimeSpan.FromMilliseconds(2));
        Assert.Equal("session s2 ended (Closed) in 2 ms: 2 tasks started, 2 cancelled, 0 faulted, 0 missed the drain; 2 resources disposed; 2 temp files deleted; 2 entries removed (MapOwner.LastText=2); 0 failures", report.ToString());
    }
}
