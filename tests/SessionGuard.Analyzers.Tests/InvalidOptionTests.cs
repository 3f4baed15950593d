using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;

namespace SessionGuard.Analyzers.Tests;

/// <summary>SG1004: an SG1001 option value that cannot be read is reported, naming the key, the value and what it accepts.</summary>
public class InvalidOptionTests
{
    private const string Source = "class C { }";

    [Theory]
    [InlineData("true")]
    [InlineData("False")]
    [InlineData(" false ")]
    public Task A_boolean_report_discards_is_accepted(string value) =>
        Verify.Analyzer<InvalidOptionAnalyzer>(Source, "sessionguard.SG1001.report_discards = " + value);

    [Theory]
    [InlineData("no")]
    [InlineData("0")]
    [InlineData("flase")]
    public Task Any_other_report_discards_is_reported(string value) =>
        Verify.Analyzer<InvalidOptionAnalyzer>(
            Source,
            "sessionguard.SG1001.report_discards = " + value,
            Verify.Diagnostic("SG1004").WithNoLocation().WithArguments("sessionguard.SG1001.report_discards", value, "expected true or false (the default, true, applies)"));

    [Fact]
    public Task A_non_boolean_report_in_test_projects_is_reported() =>
        Verify.Analyzer<InvalidOptionAnalyzer>(
            Source,
            "sessionguard.SG1001.report_in_test_projects = skip",
            Verify.Diagnostic("SG1004").WithNoLocation().WithArguments("sessionguard.SG1001.report_in_test_projects", "skip", "expected true or false (the default, true, applies)"));

    [Fact]
    public Task Well_formed_owner_methods_are_accepted() =>
        Verify.Analyzer<InvalidOptionAnalyzer>(Source, "sessionguard.SG1001.owner_methods = Enqueue, Jobs.Enqueue; MyApp.Jobs.Queue.Enqueue(), _track2");

    [Fact]
    public Task Each_malformed_owner_method_is_reported_once() =>
        Verify.Analyzer<InvalidOptionAnalyzer>(
            Source,
            "sessionguard.SG1001.owner_methods = Jobs.Enqueue(Task), Good.Method, TaskTracker..Track, 2Fast",
            Malformed("2Fast"),
            Malformed("Jobs.Enqueue(Task)"),
            Malformed("TaskTracker..Track"));

    [Fact]
    public async Task A_malformed_entry_is_left_out_and_the_others_still_own_their_tasks()
    {
        // Queue.Track still owns the task: no SG1001 for it, although the entry before it is malformed.
        const string source = """
            using System.Threading.Tasks;

            static class Queue
            {
                public static Task Track(Task t) => t;
            }

            class C
            {
                static Task WorkAsync() => Task.CompletedTask;

                void M() => Queue.Track(WorkAsync());
            }
            """;
        await Verify.Analyzer<FireAndForgetAnalyzer>(source, "sessionguard.SG1001.owner_methods = Queue.Track(Task t), Queue.Track");
    }

    [Fact]
    public Task Well_formed_placeholder_options_are_accepted() =>
        Verify.Analyzer<InvalidOptionAnalyzer>(
            Source,
            "sessionguard.SG1001.owned_receiver_types = IBatch, StackExchange.Redis.ITransaction\n"
            + "sessionguard.SG1001.fire_and_forget_arguments = CommandFlags.FireAndForget; StackExchange.Redis.CommandFlags.FireAndForget");

    [Fact]
    public Task Malformed_placeholder_entries_are_reported() =>
        Verify.Analyzer<InvalidOptionAnalyzer>(
            Source,
            "sessionguard.SG1001.owned_receiver_types = IBatch, Batch(), 2Batch\n"
            + "sessionguard.SG1001.fire_and_forget_arguments = FireAndForget, CommandFlags.FireAndForget",
            Verify.Diagnostic("SG1004").WithNoLocation().WithArguments(
                "sessionguard.SG1001.fire_and_forget_arguments", "FireAndForget",
                "expected Type.Member or Namespace.Type.Member, separated by ',' (this entry is ignored)"),
            Verify.Diagnostic("SG1004").WithNoLocation().WithArguments(
                "sessionguard.SG1001.owned_receiver_types", "2Batch",
                "expected a type name or Namespace.Type, separated by ',' (this entry is ignored)"),
            Verify.Diagnostic("SG1004").WithNoLocation().WithArguments(
                "sessionguard.SG1001.owned_receiver_types", "Batch()",
                "expected a type name or Namespace.Type, separated by ',' (this entry is ignored)"));

    private static DiagnosticResult Malformed(string entry) =>
        Verify.Diagnostic("SG1004").WithNoLocation().WithArguments(
            "sessionguard.SG1001.owner_methods",
            entry,
            "expected a method name, Type.Method or Namespace.Type.Method, separated by ',' (this entry is ignored)");
}
