using System;
using System.Threading.Tasks;

namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001's message names the evidence of a fault that made the dropped task SG1001 rather than SG1005: what it is, the
/// member it is in, and its file and line. Each case drops one task at <c>{|#0:...|}</c>; the line in the expected
/// evidence is the case's line plus the eleven lines of <see cref="Sources.Usings"/>.
/// </summary>
public class FireAndForgetEvidenceMessageTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "work of another assembly", """
            class C
            {
                void M() { {|#0:Stream.Null.FlushAsync()|}; }
            }
            """, "'Stream.FlushAsync' of another assembly, in 'C.M' (Test0.cs:14)" },
        { "an interface member nobody here implements", """
            interface IChannel { Task CloseAsync(); }
            class C
            {
                void M(IChannel channel) { {|#0:channel.CloseAsync()|}; }
            }
            """, "'IChannel.CloseAsync', an interface member with an implementation the analyzer cannot read, in 'C.M' (Test0.cs:15)" },
        { "a virtual member", """
            class C
            {
                protected virtual Task CloseAsync() => Task.CompletedTask;
                void M() { {|#0:CloseAsync()|}; }
            }
            """, "'C.CloseAsync', which an override can replace, in 'C.M' (Test0.cs:15)" },
        { "a delegate run inside a callee", """
            class C
            {
                Task RunAsync(Func<Task> work) => work();
                void M(Func<Task> work) { {|#0:RunAsync(work)|}; }
            }
            """, "the delegate 'work', code the analyzer cannot see, in 'C.RunAsync' (Test0.cs:14)" },
        { "a throw in a callee, inside a lambda", """
            class C
            {
                Task CloseAsync(bool open) => Task.Run(() =>
                {
                    if (!open) throw new InvalidOperationException("closed");
                });
                void M() { {|#0:CloseAsync(false)|}; }
            }
            """, "a throw of InvalidOperationException, in 'C.CloseAsync' (Test0.cs:16)" },
        { "a rethrow", """
            class C
            {
                async Task CloseAsync()
                {
                    try { await Task.Yield(); }
                    catch (InvalidOperationException) { throw; }
                }
                void M() { {|#0:CloseAsync()|}; }
            }
            """, "a rethrow, in 'C.CloseAsync' (Test0.cs:17)" },
        { "Task.FromException", """
            class C
            {
                Task FailAsync() => Task.FromException(new InvalidOperationException());
                void M() { {|#0:FailAsync()|}; }
            }
            """, "'Task.FromException', in 'C.FailAsync' (Test0.cs:14)" },
        { "WaitAsync with a timeout", """
            class C
            {
                void M() { {|#0:Task.Delay(100).WaitAsync(TimeSpan.FromSeconds(1))|}; }
            }
            """, "WaitAsync with a timeout, in 'C.M' (Test0.cs:14)" },
        { "SetResult of a promise", """
            class C
            {
                readonly TaskCompletionSource _done = new();
                void M() { {|#0:Task.Run(() => _done.SetResult())|}; }
            }
            """, "'TaskCompletionSource.SetResult', which throws on a completed promise, in 'C.M' (Test0.cs:15)" },
        { "an observer notified", """
            class C
            {
                void M(IObserver<int> observer) { {|#0:Task.Run(() => observer.OnNext(1))|}; }
            }
            """, "'IObserver.OnNext', which runs the subscribers' code, in 'C.M' (Test0.cs:14)" },
        { "synchronous I/O", """
            class C
            {
                void M(Stream stream) { {|#0:Task.Run(() => stream.Flush())|}; }
            }
            """, "'Stream.Flush', synchronous I/O, in 'C.M' (Test0.cs:14)" },
        { "an await using", """
            class C
            {
                async Task UseAsync(Stream stream)
                {
                    await using var s = stream;
                }
                void M(Stream stream) { {|#0:UseAsync(stream)|}; }
            }
            """, "an await using, in 'C.UseAsync' (Test0.cs:16)" },
        { "an await foreach over another assembly's sequence", """
            class C
            {
                async Task DrainAsync(ChannelReader<int> reader)
                {
                    await foreach (var item in reader.ReadAllAsync()) { }
                }
                void M(ChannelReader<int> reader) { {|#0:DrainAsync(reader)|}; }
            }
            """, "an await foreach over 'ChannelReader.ReadAllAsync', which the analyzer does not read, in 'C.DrainAsync' (Test0.cs:16)" },
        { "work deeper than the walk reads", """
            class C
            {
                Task A() => B();
                Task B() => C1();
                Task C1() => D();
                Task D() => E();
                Task E() => Task.CompletedTask;
                void M() { {|#0:A()|}; }
            }
            """, "'C.E', more than 4 methods deep, in 'C.D' (Test0.cs:17)" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Names_the_evidence(string name, string source, string evidence)
    {
        Assert.False(string.IsNullOrEmpty(name));
        return Verify.Analyzer<FireAndForgetAnalyzer>(
            Sources.Wrap(source),
            Verify.Diagnostic("SG1001").WithLocation(0).WithArguments(Describe(source), "dropped", evidence));
    }

    /// <summary>The dropped call's name as the message gives it: the method of the outermost call in the marked span.</summary>
    private static string Describe(string source)
    {
        int start = source.IndexOf("{|#0:", StringComparison.Ordinal) + 5;
        int depth = 0, open = -1;
        for (int i = start; depth > 0 || source[i] != '|'; i++)
        {
            if (source[i] == '(' && depth++ == 0)
            {
                open = i;
            }
            else if (source[i] == ')')
            {
                depth--;
            }
        }

        string call = source[start..open];
        return call[(call.LastIndexOf('.') + 1)..];
    }
}
