using System.Threading.Tasks;

namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001 and APIs whose tasks are placeholders by design (issue 17, shape G): the options
/// <c>owned_receiver_types</c> and <c>fire_and_forget_arguments</c> mark them; without the options they are reported.
/// </summary>
public class FireAndForgetPlaceholderTests
{
    private const string Batch = """
        namespace Lib
        {
            public interface IBatch { Task<bool> SetAsync(string key); void Execute(); }
            public sealed class RedisBatch : IBatch
            {
                public Task<bool> SetAsync(string key) => Task.FromResult(true);
                public void Execute() { }
            }
            public sealed class Client { public Task<bool> SetAsync(string key) => Task.FromResult(true); }
        }
        """;

    private const string Flags = """
        namespace Lib
        {
            [Flags] public enum CommandFlags { None = 0, HighPriority = 1, FireAndForget = 2 }
            public interface IDatabase { Task<bool> StringSetAsync(string key, CommandFlags flags = CommandFlags.None); }
        }
        """;

    [Fact]
    public Task Calls_on_a_batch_are_reported_without_the_option() =>
        Verify.Analyzer<FireAndForgetAnalyzer>(Sources.Wrap(Batch + """
            class C
            {
                void M(Lib.IBatch batch) { {|SG1005:batch.SetAsync("a")|}; _ = {|SG1005:batch.SetAsync("b")|}; batch.Execute(); }
            }
            """));

    [Theory]
    [InlineData("IBatch")]
    [InlineData("Lib.IBatch")]
    [InlineData("Other.Type, Lib.IBatch")]
    public Task Calls_on_an_owned_receiver_type_are_owned(string types) =>
        Verify.Analyzer<FireAndForgetAnalyzer>(
            Sources.Wrap(Batch + """
                class C
                {
                    void M(Lib.IBatch batch, Lib.RedisBatch concrete, Lib.Client client)
                    {
                        batch.SetAsync("a");
                        _ = batch.SetAsync("b");
                        concrete.SetAsync("c");
                        batch.Execute();
                        {|SG1005:client.SetAsync("d")|};
                    }
                }
                """),
            "sessionguard.SG1001.owned_receiver_types = " + types);

    [Fact]
    public Task A_fire_and_forget_flag_is_reported_without_the_option() =>
        Verify.Analyzer<FireAndForgetAnalyzer>(Sources.Wrap(Flags + """
            class C
            {
                void M(Lib.IDatabase db) { {|SG1001:db.StringSetAsync("a", Lib.CommandFlags.FireAndForget)|}; }
            }
            """));

    [Theory]
    [InlineData("CommandFlags.FireAndForget")]
    [InlineData("Lib.CommandFlags.FireAndForget")]
    public Task A_configured_fire_and_forget_argument_marks_the_call(string arguments) =>
        Verify.Analyzer<FireAndForgetAnalyzer>(
            Sources.Wrap(Flags + """
                class C
                {
                    void M(Lib.IDatabase db)
                    {
                        db.StringSetAsync("a", Lib.CommandFlags.FireAndForget);
                        _ = db.StringSetAsync("b", Lib.CommandFlags.FireAndForget | Lib.CommandFlags.HighPriority);
                        {|SG1001:db.StringSetAsync("c")|};
                        {|SG1001:db.StringSetAsync("d", Lib.CommandFlags.HighPriority)|};
                    }
                }
                """),
            "sessionguard.SG1001.fire_and_forget_arguments = " + arguments);
}
