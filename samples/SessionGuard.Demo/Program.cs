using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard;
using SessionGuard.Demo;

// A miniature voice-translation server: sessions stream "audio", get recognized text translated, keep per-session
// state in a stage, own resources and temp files, and end in every way a real server sees. Every teardown report
// is printed, and at the end the residual check proves nothing was left behind.

var options = new SessionRegistryOptions
{
    MaxSessions = 4,
    OverflowPolicy = SessionOverflowPolicy.EvictIdlest,
    IdleTimeout = TimeSpan.FromMilliseconds(400),
    SweepInterval = TimeSpan.FromMilliseconds(100),
    TaskDrainTimeout = TimeSpan.FromMilliseconds(300),
};

var registry = new SessionRegistry(options);
var stage = new TranslationStage(registry);
registry.Register(stage);
int ended = 0;
registry.SessionEnded += (_, report) =>
{
    Interlocked.Increment(ref ended);
    Console.WriteLine(Environment.NewLine + report);
};

Console.WriteLine($"SessionGuard demo: cap {options.MaxSessions} sessions, idle timeout {options.IdleTimeout.TotalMilliseconds} ms, drain timeout {options.TaskDrainTimeout.TotalMilliseconds} ms");

// 1. alice: a normal call, closed by the client.
var alice = StartCall(registry, stage, "alice");
await Task.Delay(150);
Console.WriteLine($"\n> alice hangs up ({alice.RunningTasks} tasks running; stage holds {stage.Describe()})");
await registry.EndAsync(alice.Id, SessionEndReason.Closed);

// 2. bob: goes silent; the sweep expires him.
var bob = StartCall(registry, stage, "bob", streamAudio: false);
Console.WriteLine("\n> bob goes silent; waiting for the idle sweep");
await bob.Ending.WhenCancelled();
await bob.EndAsync(); // joins the sweep's teardown: same report

// 3. carol, dave, erin, frank fill the cap; grace evicts the idlest (carol, who stopped streaming first).
var carol = StartCall(registry, stage, "carol", streamAudio: false);
await Task.Delay(50);
var dave = StartCall(registry, stage, "dave");
var erin = StartCall(registry, stage, "erin");
var frank = StartCall(registry, stage, "frank");
await Task.Delay(100);
Console.WriteLine($"\n> grace connects with {registry.ActiveCount} sessions active: the idlest is evicted");
var grace = StartCall(registry, stage, "grace");
await carol.EndAsync();

// 4. hung: a task that ignores cancellation; teardown reports it instead of waiting forever.
await dave.EndAsync();
var hung = StartCall(registry, stage, "hung");
var neverDone = new TaskCompletionSource();
_ = hung.Run(_ => neverDone.Task, "blocking-tts-call");
Console.WriteLine("\n> hung ends while a task ignores cancellation");
await registry.EndAsync(hung.Id);

// 5. shutdown: erin, frank and grace are still connected when the server stops.
Console.WriteLine($"\n> shutting down with {registry.ActiveCount} sessions active");
await registry.DisposeAsync();
neverDone.SetResult();

var residuals = registry.CheckResiduals();
Console.WriteLine();
Console.WriteLine($"stage now holds {stage.Describe()}");
Console.WriteLine($"{ended} sessions ended; residual check: {residuals}");
return residuals.IsClean && registry.ActiveCount == 0 ? 0 : 1;

static Session StartCall(SessionRegistry registry, TranslationStage stage, string name, bool streamAudio = true)
{
    var session = registry.Open(SessionId.Parse(name));
    var socket = session.Own(new FakeSocket(name));
    string recording = session.CreateTempFile(".wav");
    File.WriteAllText(recording, "RIFF....WAVE");
    _ = session.Run(async ct =>
    {
        int segment = 0;
        while (!ct.IsCancellationRequested)
        {
            if (streamAudio || segment == 0)
            {
                session.Touch();
                int turn = segment++ / 3;
                var translation = stage.OnRecognized(session.Id, turn, $"{name} says hello #{turn}", TimeSpan.FromMilliseconds(30));
                if (translation is not null)
                {
                    try
                    {
                        socket.Send(await translation);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }

            await Task.Delay(20, ct).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
    }, "recognize-translate-loop");
    Console.WriteLine($"> {name} connected (temp file {Path.GetFileName(recording)})");
    return session;
}

internal sealed class FakeSocket : IAsyncDisposable
{
    private readonly string _name;
    private int _sent;

    public FakeSocket(string name) => _name = name;

    public void Send(string text) => Interlocked.Increment(ref _sent);

    public ValueTask DisposeAsync()
    {
        Console.WriteLine($"  socket of {_name} closed after {_sent} messages");
        return default;
    }
}

internal static class CancellationTokenExtensions
{
    public static Task WhenCancelled(this CancellationToken token)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), tcs);
        return tcs.Task;
    }
}
