namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// SG1001 and collections of tasks: tasks added to a list or an array and never awaited, a lazy <c>Select</c> of tasks
/// materialized, and a task (or an entry carrying one: a tuple, a record) taken out of a dictionary or a queue on
/// disconnect and dropped. Each kept case (Reports) has its handed-over counterpart (Stays_quiet).
/// </summary>
public class FireAndForgetCollectionTests : AnalyzerCaseTests<FireAndForgetAnalyzer>
{
    public static TheoryData<string, string> Positive => new()
    {
        { "tasks added to a list that is never awaited", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                void M(int[] items)
                {
                    var tasks = new List<Task>();
                    foreach (var i in items)
                    {
                        tasks.Add({|SG1005:SendAsync(i)|});
                    }

                    Console.WriteLine(tasks.Count);
                }
            }
            """ },
        { "array of tasks filled and never awaited", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                void M()
                {
                    var tasks = new Task[3];
                    for (int i = 0; i < tasks.Length; i++)
                    {
                        tasks[i] = {|SG1005:SendAsync(i)|};
                    }
                }
            }
            """ },
        { "Select(...).ToList() starts every task and drops them", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                void M(int[] items) { {|SG1001:items.Select(i => SendAsync(i)).ToList()|}; }
            }
            """ },
        { "materialized task list never awaited", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                void M(int[] items) { var tasks = {|SG1001:items.Select(SendAsync).ToArray()|}; Console.WriteLine(tasks.Length); }
            }
            """ },
        { "task taken out of a dictionary on disconnect, cancelled but never awaited", """
            class WebSocketHandler
            {
                private readonly ConcurrentDictionary<string, Task> _conversationTasks = new();
                private readonly ConcurrentDictionary<string, CancellationTokenSource> _cancellations = new();
                public void HandleDisconnect(string clientUid)
                {
                    if (_cancellations.TryRemove(clientUid, out var cts))
                    {
                        cts.Cancel();
                    }

                    if ({|SG1001:_conversationTasks.TryRemove(clientUid, out var task)|})
                    {
                        Console.WriteLine($"cancelled {task.Id}");
                    }
                }
            }
            """ },
        { "task taken with TryDequeue and dropped", """
            class C
            {
                private readonly ConcurrentQueue<Task> _pending = new();
                void M() { {|SG1001:_pending.TryDequeue(out var next)|}; }
            }
            """ },
        { "tuple entry taken on disconnect: cancelled, its task never awaited", """
            class WebSocketHandler
            {
                private readonly ConcurrentDictionary<string, (CancellationTokenSource Cts, Task Task)> _conversations = new();
                public void HandleDisconnect(string clientUid)
                {
                    if ({|SG1001:_conversations.TryRemove(clientUid, out var entry)|})
                    {
                        entry.Cts.Cancel();
                        Console.WriteLine($"cancelled {entry.Task.Id}");
                    }
                }
            }
            """ },
        { "record entry taken, only its token source used", """
            sealed record Running(CancellationTokenSource Cts, Task Work);
            class C
            {
                private readonly Dictionary<string, Running> _running = new();
                void Stop(string sessionId)
                {
                    if ({|SG1001:_running.Remove(sessionId, out var running)|})
                    {
                        running.Cts.Cancel();
                        running.Cts.Dispose();
                    }
                }
            }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        { "stored in a collection", """
            class C
            {
                private readonly List<Task> _running = new();
                Task SendAsync() => Task.CompletedTask;
                void M() { _running.Add(SendAsync()); }
            }
            """ },
        { "tasks from a loop awaited with WhenAll", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                async Task M(int[] items)
                {
                    var tasks = new List<Task>();
                    foreach (var i in items) tasks.Add(SendAsync(i));
                    await Task.WhenAll(tasks);
                }
            }
            """ },
        { "tasks from a loop awaited one by one", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                async Task M(int[] items)
                {
                    var tasks = new Task[items.Length];
                    for (int i = 0; i < items.Length; i++) tasks[i] = SendAsync(i);
                    foreach (var t in tasks) await t;
                }
            }
            """ },
        { "task stored in a dictionary with GetOrAdd", """
            class C
            {
                private readonly ConcurrentDictionary<string, Task<int>> _inflight = new();
                Task<int> LoadAsync(string k) => Task.FromResult(1);
                void M(string key) { _inflight.GetOrAdd(key, k => LoadAsync(k)); }
            }
            """ },
        { "passing the task to a local collection that is returned", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                List<Task> M(int[] items)
                {
                    var tasks = new List<Task>();
                    foreach (var i in items) tasks.Add(SendAsync(i));
                    return tasks;
                }
            }
            """ },
        { "materialized task list awaited", """
            class C
            {
                Task SendAsync(int i) => Task.CompletedTask;
                async Task M(int[] items) { var tasks = items.Select(SendAsync).ToList(); await Task.WhenAll(tasks); }
            }
            """ },
        { "lazy Select of results that are not tasks", """
            class C
            {
                void M(int[] items) { var list = items.Select(i => i * 2).ToList(); items.Select(i => i + 1).ToArray(); }
            }
            """ },
        { "task taken out of a dictionary and awaited", """
            class WebSocketHandler
            {
                private readonly ConcurrentDictionary<string, Task> _conversationTasks = new();
                public async Task HandleDisconnectAsync(string clientUid, CancellationTokenSource cts)
                {
                    if (_conversationTasks.TryRemove(clientUid, out var task))
                    {
                        cts.Cancel();
                        try { await task; } catch (OperationCanceledException) { }
                    }
                }
            }
            """ },
        { "task taken with a negated TryRemove and early return", """
            class C
            {
                private readonly Dictionary<int, Task> _tasks = new();
                async Task M(int id)
                {
                    if (!_tasks.Remove(id, out var task)) return;
                    await task;
                }
            }
            """ },
        { "TryGetValue leaves the task with its collection", """
            class C
            {
                private readonly Dictionary<int, Task> _tasks = new();
                void M(int id) { if (_tasks.TryGetValue(id, out var task)) Console.WriteLine(task.Id); }
            }
            """ },
        { "tuple entry taken on disconnect: cancelled and awaited", """
            class WebSocketHandler
            {
                private readonly ConcurrentDictionary<string, (CancellationTokenSource Cts, Task Task)> _conversations = new();
                public async Task HandleDisconnectAsync(string clientUid)
                {
                    if (_conversations.TryRemove(clientUid, out var entry))
                    {
                        await entry.Cts.CancelAsync();
                        try { await entry.Task.WaitAsync(TimeSpan.FromSeconds(2)); }
                        catch (OperationCanceledException) { }
                        catch (TimeoutException) { }
                    }
                }
            }
            """ },
        { "record entry taken and handed on", """
            sealed record Running(CancellationTokenSource Cts, Task Work);
            class C
            {
                private readonly Dictionary<string, Running> _running = new();
                private readonly List<Running> _stopping = new();
                void Stop(string sessionId)
                {
                    if (_running.Remove(sessionId, out var running))
                    {
                        running.Cts.Cancel();
                        _stopping.Add(running);
                    }
                }
            }
            """ },
        { "entry without a task taken out", """
            class C
            {
                private readonly Dictionary<string, (CancellationTokenSource Cts, int Count)> _running = new();
                void Stop(string sessionId) { if (_running.Remove(sessionId, out var e)) e.Cts.Cancel(); }
            }
            """ },
    };
}
