using System.Threading.Tasks;
using SessionGuard.CodeFixes;

namespace SessionGuard.Analyzers.Tests;

public class CodeFixTests
{
    private const string Header = """
        using System;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        using SessionGuard;

        """;

    [Fact]
    public Task Await_in_an_async_method() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                Task SendAsync() => Stream.Null.FlushAsync();
                async Task M()
                {
                    {|SG1001:SendAsync()|};
                    await Task.Yield();
                }
            }
            """, Header + """
            class C
            {
                Task SendAsync() => Stream.Null.FlushAsync();
                async Task M()
                {
                    await SendAsync();
                    await Task.Yield();
                }
            }
            """);

    [Fact]
    public Task Await_fixes_SG1005_as_it_fixes_SG1001() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                Task PollAsync() => Task.CompletedTask;
                async Task M()
                {
                    {|SG1005:PollAsync()|};
                    await Task.Yield();
                }
            }
            """, Header + """
            class C
            {
                Task PollAsync() => Task.CompletedTask;
                async Task M()
                {
                    await PollAsync();
                    await Task.Yield();
                }
            }
            """);

    [Fact]
    public Task Await_replaces_a_discard() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                Task SendAsync() => Stream.Null.FlushAsync();
                async Task M()
                {
                    _ = {|SG1001:SendAsync()|};
                }
            }
            """, Header + """
            class C
            {
                Task SendAsync() => Stream.Null.FlushAsync();
                async Task M()
                {
                    await SendAsync();
                }
            }
            """);

    [Fact]
    public Task Await_makes_a_void_method_async_Task() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                Task SendAsync() => Stream.Null.FlushAsync();
                public void Flush()
                {
                    {|SG1001:Task.Run(() => SendAsync())|};
                }
            }
            """, Header + """
            class C
            {
                Task SendAsync() => Stream.Null.FlushAsync();
                public async Task Flush()
                {
                    await Task.Run(() => SendAsync());
                }
            }
            """);

    [Fact]
    public Task Await_makes_a_void_local_function_async_Task() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                Task SendAsync() => Stream.Null.FlushAsync();
                Task M()
                {
                    Local();
                    return Task.CompletedTask;
                    void Local()
                    {
                        {|SG1001:SendAsync()|};
                    }
                }
            }
            """, Header + """
            class C
            {
                Task SendAsync() => Stream.Null.FlushAsync();
                Task M()
                {
                    {|SG1001:Local()|};
                    return Task.CompletedTask;
                    async Task Local()
                    {
                        await SendAsync();
                    }
                }
            }
            """);

    [Fact]
    public Task Await_in_an_async_lambda() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                Task SendAsync() => Stream.Null.FlushAsync();
                Func<Task> M() => async () =>
                {
                    {|SG1001:SendAsync()|};
                };
            }
            """, Header + """
            class C
            {
                Task SendAsync() => Stream.Null.FlushAsync();
                Func<Task> M() => async () =>
                {
                    await SendAsync();
                };
            }
            """);

    [Fact]
    public Task Await_makes_a_private_void_method_without_modifiers_async_Task() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                Task SendAsync() => Stream.Null.FlushAsync();

                void Flush()
                {
                    _ = {|SG1001:SendAsync()|};
                }
            }
            """, Header + """
            class C
            {
                Task SendAsync() => Stream.Null.FlushAsync();

                async Task Flush()
                {
                    await SendAsync();
                }
            }
            """);

    [Fact]
    public Task Session_run_when_a_session_parameter_is_in_scope() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                Task ForwardAsync(string message, CancellationToken cancellationToken) => Stream.Null.FlushAsync();
                public void OnMessage(Session session, string message)
                {
                    {|SG1001:ForwardAsync(message, CancellationToken.None)|};
                }
            }
            """, Header + """
            class C
            {
                Task ForwardAsync(string message, CancellationToken cancellationToken) => Stream.Null.FlushAsync();
                public void OnMessage(Session session, string message)
                {
                    session.Run(ct => ForwardAsync(message, ct));
                }
            }
            """, codeActionIndex: 1, equivalenceKey: FireAndForgetCodeFixProvider.SessionRunKey);

    [Fact]
    public Task Session_run_in_an_async_method_discards_the_owned_task_so_CS4014_stays_quiet() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                Task ForwardAsync(string message, CancellationToken cancellationToken) => Stream.Null.FlushAsync();
                public async Task OnMessageAsync(Session session, string message)
                {
                    await Task.Yield();
                    {|SG1001:ForwardAsync(message, CancellationToken.None)|};
                }
            }
            """, Header + """
            class C
            {
                Task ForwardAsync(string message, CancellationToken cancellationToken) => Stream.Null.FlushAsync();
                public async Task OnMessageAsync(Session session, string message)
                {
                    await Task.Yield();
                    _ = session.Run(ct => ForwardAsync(message, ct));
                }
            }
            """, codeActionIndex: 1, equivalenceKey: FireAndForgetCodeFixProvider.SessionRunKey);

    [Fact]
    public Task Session_run_from_a_field_for_a_discarded_ValueTask_in_a_constructor() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                private readonly Session _session;
                ValueTask WarmUpAsync() => Stream.Null.WriteAsync(ReadOnlyMemory<byte>.Empty);
                public C(Session session)
                {
                    _session = session;
                    _ = {|SG1001:WarmUpAsync()|};
                }
            }
            """, Header + """
            class C
            {
                private readonly Session _session;
                ValueTask WarmUpAsync() => Stream.Null.WriteAsync(ReadOnlyMemory<byte>.Empty);
                public C(Session session)
                {
                    _session = session;
                    session.Run(ct => WarmUpAsync().AsTask());
                }
            }
            """, codeActionIndex: 0, equivalenceKey: FireAndForgetCodeFixProvider.SessionRunKey);

    [Fact]
    public Task Session_run_picks_a_free_token_name() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                Task SendAsync(CancellationToken token) => Stream.Null.FlushAsync();
                public void OnMessage(Session session, CancellationToken ct)
                {
                    {|SG1001:SendAsync(ct)|};
                }
            }
            """, Header + """
            class C
            {
                Task SendAsync(CancellationToken token) => Stream.Null.FlushAsync();
                public void OnMessage(Session session, CancellationToken ct)
                {
                    session.Run(sessionCt => SendAsync(sessionCt));
                }
            }
            """, codeActionIndex: 1, equivalenceKey: FireAndForgetCodeFixProvider.SessionRunKey);

    [Fact]
    public Task Unwrap_an_awaited_StartNew_of_an_async_lambda() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                Task LoopAsync() => Stream.Null.FlushAsync();
                async Task M()
                {
                    {|SG1001:await Task.Factory.StartNew(async () => await LoopAsync())|};
                }
            }
            """, Header + """
            class C
            {
                Task LoopAsync() => Stream.Null.FlushAsync();
                async Task M()
                {
                    await Task.Factory.StartNew(async () => await LoopAsync()).Unwrap();
                }
            }
            """);

    [Fact]
    public Task Unwrap_a_StartNew_stored_as_a_plain_task() =>
        Verify.CodeFix<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>(Header + """
            class C
            {
                private Task _loop = Task.CompletedTask;
                Task LoopAsync() => Stream.Null.FlushAsync();
                void Start()
                {
                    _loop = {|SG1001:Task.Factory.StartNew(() => LoopAsync(), TaskCreationOptions.LongRunning)|};
                }
            }
            """, Header + """
            class C
            {
                private Task _loop = Task.CompletedTask;
                Task LoopAsync() => Stream.Null.FlushAsync();
                void Start()
                {
                    _loop = Task.Factory.StartNew(() => LoopAsync(), TaskCreationOptions.LongRunning).Unwrap();
                }
            }
            """);

    [Fact]
    public Task SessionScoped_and_partial() =>
        Verify.CodeFix<PerSessionCollectionAnalyzer, PerSessionCollectionCodeFixProvider>(Header + """
            using System.Collections.Generic;

            public class DedupStage
            {
                private readonly Dictionary<SessionId, string> {|SG2001:_lastSentText|} = new();

                public void Process(SessionId session, string text) { _lastSentText[session] = text; }
            }
            """, Header + """
            using System.Collections.Generic;

            public partial class DedupStage
            {
                [SessionScoped]
                private readonly Dictionary<SessionId, string> _lastSentText = new();

                public void Process(SessionId session, string text) { _lastSentText[session] = text; }
            }
            """);

    [Fact]
    public Task SessionScoped_on_a_nested_type_makes_every_containing_type_partial() =>
        Verify.CodeFix<PerSessionCollectionAnalyzer, PerSessionCollectionCodeFixProvider>(Header + """
            using System.Collections.Generic;

            class Outer
            {
                sealed class Inner
                {
                    private Dictionary<string, int> {|SG2001:Counts|} { get; } = new();
                    public void Hit(string sessionId) { Counts[sessionId] = 1; }
                }
            }
            """, Header + """
            using System.Collections.Generic;

            partial class Outer
            {
                sealed partial class Inner
                {
                    [SessionScoped]
                    private Dictionary<string, int> Counts { get; } = new();
                    public void Hit(string sessionId) { Counts[sessionId] = 1; }
                }
            }
            """);
}
