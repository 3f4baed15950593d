using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SessionGuard.Benchmarks.Analyzers;

/// <summary>
/// A large, deterministic, compilable C# input for the analyzer benchmarks: <see cref="Files"/> files of a
/// realistic real-time-server shape (async handlers, task locals, loops with WhenAll, per-session maps, event
/// subscriptions, lambdas), a few of them with the leaks the analyzers look for.
/// </summary>
public static class GeneratedCorpus
{
    public const int Files = 400;

    public static ImmutableArray<SyntaxTree> Parse(int files = Files)
    {
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = ImmutableArray.CreateBuilder<SyntaxTree>(files + 1);
        trees.Add(CSharpSyntaxTree.ParseText(Shared, options, path: "Shared.cs"));
        for (int i = 0; i < files; i++)
        {
            trees.Add(CSharpSyntaxTree.ParseText(File(i), options, path: $"Service{i}.cs"));
        }

        return trees.MoveToImmutable();
    }

    public static ImmutableArray<MetadataReference> References()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "netstandard.dll" or "mscorlib.dll"))
            .Append(typeof(SessionId).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location)
            .Distinct(StringComparer.Ordinal);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }

    public static CSharpCompilation Compile(ImmutableArray<SyntaxTree> trees, ImmutableArray<MetadataReference> references) =>
        CSharpCompilation.Create(
            "GeneratedServer",
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, concurrentBuild: false));

    private const string Shared = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        namespace Generated;
        public sealed class MessageEventArgs : EventArgs { public string Text { get; init; } = ""; }
        public sealed class Bus
        {
            public event EventHandler<MessageEventArgs>? Received;
            public IDisposable Subscribe(Action<string> handler) => new Sub();
            public void Raise(string text) => Received?.Invoke(this, new MessageEventArgs { Text = text });
            private sealed class Sub : IDisposable { public void Dispose() { } }
        }
        public interface ITransport
        {
            Task SendAsync(string sessionId, string text, CancellationToken ct);
            Task<string> ReceiveAsync(string sessionId, CancellationToken ct);
            ValueTask FlushAsync();
        }
        """;

    private static string File(int i)
    {
        var sb = new StringBuilder(8 * 1024);
        sb.Append($$"""
            using System;
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading;
            using System.Threading.Tasks;
            using SessionGuard;
            namespace Generated.Area{{i % 20}};

            public sealed class Service{{i}} : IDisposable
            {
                private readonly ITransport _transport;
                private readonly Bus _bus;
                private readonly ConcurrentDictionary<string, Task> _running = new();
                private readonly Dictionary<string, string> _lastText = new();
                private readonly List<Task> _background = new();
                private readonly SemaphoreSlim _gate = new(1, 1);
                private Task _loop = Task.CompletedTask;
                private int _count;

                public Service{{i}}(ITransport transport, Bus bus)
                {
                    _transport = transport;
                    _bus = bus;
                }

                public async Task<int> HandleAsync(string sessionId, string text, CancellationToken ct)
                {
                    await _gate.WaitAsync(ct).ConfigureAwait(false);
                    try
                    {
                        if (_lastText.TryGetValue(sessionId, out var last) && last == text)
                        {
                            return 0;
                        }

                        _lastText[sessionId] = text;
                        var send = _transport.SendAsync(sessionId, text, ct);
                        var reply = _transport.ReceiveAsync(sessionId, ct);
                        await send.ConfigureAwait(false);
                        var answer = await reply.ConfigureAwait(false);
                        return answer.Length + Interlocked.Increment(ref _count);
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }

                public async Task BroadcastAsync(IReadOnlyList<string> sessions, string text, CancellationToken ct)
                {
                    var tasks = new List<Task>(sessions.Count);
                    foreach (var session in sessions)
                    {
                        tasks.Add(_transport.SendAsync(session, text, ct));
                    }

                    await Task.WhenAll(tasks).ConfigureAwait(false);
                    await Task.WhenAll(sessions.Select(s => _transport.SendAsync(s, text + "!", ct))).ConfigureAwait(false);
                }

                public async Task<string?> ReceiveWithTimeoutAsync(string sessionId, CancellationToken ct)
                {
                    var receive = _transport.ReceiveAsync(sessionId, ct);
                    if (await Task.WhenAny(receive, Task.Delay(TimeSpan.FromSeconds(5), ct)).ConfigureAwait(false) != receive)
                    {
                        return null;
                    }

                    return await receive.ConfigureAwait(false);
                }

                public void Start(string sessionId, CancellationToken ct)
                {
                    _running[sessionId] = RunAsync(sessionId, ct);
                    _loop = Task.Run(() => RunAsync(sessionId, ct), ct);
                }

                public async Task StopAsync(string sessionId)
                {
                    if (_running.TryRemove(sessionId, out var task))
                    {
                        try { await task.ConfigureAwait(false); } catch (OperationCanceledException) { }
                    }

                    _lastText.Remove(sessionId);
                    await _loop.ConfigureAwait(false);
                }

                public int Summarize(IEnumerable<int> values)
                {
                    int total = 0;
                    foreach (var v in values.Where(v => v > 0).OrderBy(v => v))
                    {
                        total += v switch { < 10 => v, < 100 => v / 2, _ => v / 3 };
                    }

                    var words = new Dictionary<string, int>();
                    foreach (var word in "a b c d".Split(' '))
                    {
                        words[word] = words.TryGetValue(word, out var n) ? n + 1 : 1;
                    }

                    return total + words.Count;
                }

                public void Subscribe()
                {
                    _bus.Received += OnReceived;
                }

                public void Dispose()
                {
                    _bus.Received -= OnReceived;
                    _gate.Dispose();
                }

                private void OnReceived(object? sender, MessageEventArgs e) => _count += e.Text.Length;

                private async Task RunAsync(string sessionId, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        var text = await _transport.ReceiveAsync(sessionId, ct).ConfigureAwait(false);
                        if (text.Length == 0)
                        {
                            break;
                        }

                        await _transport.SendAsync(sessionId, text.ToUpperInvariant(), ct).ConfigureAwait(false);
                    }
                }

            """);

        // One file in ten carries the leaks the analyzers are for.
        if (i % 10 == 0)
        {
            sb.Append("""
                    public void Leaky(string sessionId, SessionId session, List<string> items, CancellationToken ct)
                    {
                        _transport.SendAsync(sessionId, "x", ct);
                        _ = _transport.FlushAsync();
                        var pending = _transport.ReceiveAsync(sessionId, ct);
                        items.ForEach(async item => await _transport.SendAsync(sessionId, item, ct));
                        _bus.Received += (s, e) => Console.WriteLine(session);
                        Task.Run(() => RunAsync(sessionId, ct));
                    }

                    public async void Fire(string sessionId) => await _transport.SendAsync(sessionId, "fire", CancellationToken.None);

                """);
        }

        sb.Append("}\n");
        return sb.ToString();
    }
}
