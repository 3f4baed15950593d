using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard;

public sealed partial class SessionRegistry
{
    private Task<SessionTeardownReport> StartTeardown(Session session, SessionEndReason reason, out bool started)
    {
        if (!session.TryBeginEnding(out var snapshot, out var teardown, out var completion))
        {
            started = false;
            return teardown;
        }

        started = true;
        session.EndReason = reason;
        session.IdleEntry?.Clear();
        Interlocked.Decrement(ref _activeCount);
        Instruments.Active.Add(-1);

        // The teardown runs user code (Ending callbacks, task continuations, Dispose, owners' releases), never on the
        // thread that asked for it: EndAsync, an Open that evicts, the sweep and DisposeAsync return at once, and one
        // teardown that blocks holds up no other.
        var run = new Teardown(this, session, reason, snapshot, completion!);
        _watchdog.Add(run);
        ThreadPool.UnsafeQueueUserWorkItem(run, preferLocal: false);
        return teardown;
    }

    /// <summary>
    /// One session's teardown, step by step. A step that calls user code is bounded as a whole, the synchronous call
    /// included: <see cref="TeardownWatchdog"/> abandons a call that overruns its step's timeout, records the overrun and
    /// runs the rest of the teardown on another thread, while the blocked thread, once its call returns, touches
    /// nothing more. Only the thread that holds the teardown (the one running <see cref="RunAsync"/> outside a watched
    /// call, or the watchdog that abandoned the call) reads or writes its state.
    /// </summary>
    private sealed partial class Teardown : IThreadPoolWorkItem
    {
        private readonly SessionRegistry _registry;
        private readonly Session _session;
        private readonly SessionEndReason _reason;
        private readonly Session.EndingSnapshot _snapshot;
        private readonly TaskCompletionSource<SessionTeardownReport> _completion;
        private readonly long _started;

        // Where the teardown is: the step and, within it, the resource, temp file or owner.
        private Step _step;
        private int _index;
        private SessionReleaseContext? _context;
        private OwnerCatalog.OwnerSet? _owners;

        // Odd while a watched call runs; the caller and the watchdog race to make it even, and the winner holds the
        // teardown. It only grows, so a call abandoned long ago can never win a later race.
        private int _call;
        private long _callDeadline;

        private List<TeardownFailure>? _failures;
        private IReadOnlyList<string> _undrained = Array.Empty<string>();
        private List<OwnerEntriesRemoved>? _removed;
        private int _disposed;
        private int _tempDeleted;
        private bool _cancelOverran;

        public Teardown(SessionRegistry registry, Session session, SessionEndReason reason, Session.EndingSnapshot snapshot, TaskCompletionSource<SessionTeardownReport> completion)
        {
            _registry = registry;
            _session = session;
            _reason = reason;
            _snapshot = snapshot;
            _completion = completion;
            _started = registry.Time.GetTimestamp();
            _index = snapshot.Owned is { } owned ? owned.Count - 1 : -1;
        }

        private enum Step
        {
            Cancel,
            Drain,
            Dispose,
            DeleteTempFiles,
            ReleaseOwners,
            Publish,
        }

        // The watchdog's list of running teardowns (guarded by its lock).
        internal Teardown? Previous { get; set; }

        internal Teardown? Next { get; set; }

        private SessionRegistryOptions Options => _registry._options;

        private TimeProvider Time => _registry.Time;

        void IThreadPoolWorkItem.Execute() => _ = RunAsync();

        private async Task RunAsync()
        {
            try
            {
                while (true)
                {
                    switch (_step)
                    {
                        case Step.Cancel:
                            // 1. Cancel the session's token: its tasks see Ending. Callbacks and continuations that run
                            // inside the cancel count against the drain timeout.
                            int cancel = Watch(StepDeadline(Options.TaskDrainTimeout, _started));
                            Exception? cancelFailure = null;
                            try
                            {
                                _session.CancelEnding();
                            }
                            catch (Exception ex)
                            {
                                cancelFailure = ex;
                            }

                            if (!Unwatch(cancel))
                            {
                                return;
                            }

                            if (cancelFailure is not null)
                            {
                                AddFailure(TeardownStage.Cancel, "Ending callbacks", cancelFailure);
                            }

                            _step = Step.Drain;
                            break;

                        case Step.Drain:
                            // 2. Drain its tasks, within what is left of the drain timeout.
                            if (_snapshot.Drained is { } drained && !drained.IsCompleted)
                            {
                                try
                                {
                                    await drained.WaitAsync(Remaining(StepDeadline(Options.TaskDrainTimeout, _started)), Time).ConfigureAwait(false);
                                }
                                catch (TimeoutException)
                                {
                                    RecordUndrained();
                                }
                            }

                            _step = Step.Dispose;
                            break;

                        case Step.Dispose:
                            // 3. Dispose owned resources, last first.
                            if (_index < 0)
                            {
                                _index = 0;
                                _step = Step.DeleteTempFiles;
                                break;
                            }

                            if (!await DisposeOneAsync(_snapshot.Owned![_index]).ConfigureAwait(false))
                            {
                                return;
                            }

                            _index--;
                            break;

                        case Step.DeleteTempFiles:
                            if (_snapshot.TempFiles is not { } tempFiles || _index >= tempFiles.Count)
                            {
                                _index = 0;
                                _step = Step.ReleaseOwners;
                                break;
                            }

                            if (!DeleteOne(tempFiles[_index]))
                            {
                                return;
                            }

                            _index++;
                            break;

                        case Step.ReleaseOwners:
                            // 4. Release the session from every owner.
                            // One set for the whole step: an owner registered or removed meanwhile neither shifts
                            // nor repeats the others.
                            var owners = _owners ??= _registry._owners.Current;
                            if (_index >= owners.Owners.Length)
                            {
                                if (_context is not null)
                                {
                                    _context.Clear();
                                    Volatile.Write(ref _registry._spareContext, _context);
                                    _context = null;
                                }

                                _step = Step.Publish;
                                break;
                            }

                            if (!await ReleaseOneAsync(owners.Owners[_index], owners.Names[_index]).ConfigureAwait(false))
                            {
                                return;
                            }

                            _index++;
                            break;

                        case Step.Publish:
                            Publish();
                            return;
                    }
                }
            }
            catch (Exception ex)
            {
                // Unreachable by design (every step catches its own failures); kept so a teardown always completes.
                AddFailure(TeardownStage.Publish, "teardown", ex);
                Publish();
            }
        }
    }
}
