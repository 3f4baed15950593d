using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

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
    private sealed class Teardown : IThreadPoolWorkItem
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

        /// <summary>Called by the watchdog: abandons the watched call if it is past its deadline, and goes on without it.</summary>
        internal void AbandonIfOverdue(long now)
        {
            int call = Volatile.Read(ref _call);
            if ((call & 1) == 0 || now < Volatile.Read(ref _callDeadline) || Interlocked.CompareExchange(ref _call, call + 1, call) != call)
            {
                return;
            }

            // The teardown is ours now: record the overrun, step past the call, and let another thread go on.
            try
            {
                RecordOverrun();
            }
            catch (Exception ex)
            {
                AddFailure(TeardownStage.Publish, "teardown", ex);
                _step = Step.Publish;
            }

            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

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

        private async ValueTask<bool> DisposeOneAsync(object resource)
        {
            long deadline = StepDeadline(Options.DisposeTimeout, Time.GetTimestamp());
            int call = Watch(deadline);

            ValueTask pending = default;
            Exception? failure = null;
            try
            {
                pending = resource is IAsyncDisposable asyncDisposable ? asyncDisposable.DisposeAsync() : DisposeSync((IDisposable)resource);
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            if (!Unwatch(call))
            {
                ObserveLate(pending);
                return false;
            }

            failure ??= await CompleteWithinAsync(pending, deadline, Options.DisposeTimeout, "disposing ", resource.GetType().Name).ConfigureAwait(false);
            if (failure is null)
            {
                _disposed++;
            }
            else
            {
                AddFailure(TeardownStage.DisposeResources, TypeName(resource), failure);
            }

            return true;
        }

        private bool DeleteOne(string path)
        {
            int call = Watch(StepDeadline(Options.DisposeTimeout, Time.GetTimestamp()));

            Exception? failure = null;
            try
            {
                File.Delete(path);
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            if (!Unwatch(call))
            {
                return false;
            }

            if (failure is null)
            {
                _tempDeleted++;
            }
            else
            {
                AddFailure(TeardownStage.DeleteTempFiles, path, failure);
            }

            return true;
        }

        private async ValueTask<bool> ReleaseOneAsync(ISessionScoped owner, string ownerName)
        {
            var context = _context ??= Interlocked.Exchange(ref _registry._spareContext, null) ?? new SessionReleaseContext();
            context.Clear();
            long deadline = StepDeadline(Options.OwnerReleaseTimeout, Time.GetTimestamp());
            int call = Watch(deadline);

            ValueTask pending = default;
            Exception? failure = null;
            try
            {
                pending = WithoutCount(owner.ReleaseSessionAsync(_session.Id, context));
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            if (!Unwatch(call))
            {
                ObserveLate(pending);
                return false;
            }

            failure ??= await CompleteWithinAsync(pending, deadline, Options.OwnerReleaseTimeout, "releasing the session from ", ownerName).ConfigureAwait(false);

            if (failure is TimeoutException)
            {
                // The owner may still write into this context: close it to later writes, report what it holds now, and
                // do not reuse it.
                AbandonContext(ownerName, failure);
                return true;
            }

            if (failure is not null)
            {
                AddFailure(TeardownStage.ReleaseOwners, ownerName, failure);
            }

            CollectRelease(ownerName, context);
            return true;
        }

        /// <summary>The watched call at the cursor overran its step: report it and move the cursor past it.</summary>
        private void RecordOverrun()
        {
            switch (_step)
            {
                case Step.Cancel:
                    _cancelOverran = true;
                    AddFailure(TeardownStage.Cancel, "Ending callbacks", Overran("cancelling Session.Ending (its callbacks and the continuations they run)", Options.TaskDrainTimeout, nameof(SessionRegistryOptions.TaskDrainTimeout)));
                    _step = Step.Drain;
                    break;
                case Step.Dispose:
                    object resource = _snapshot.Owned![_index];
                    AddFailure(TeardownStage.DisposeResources, TypeName(resource), Overran("disposing " + resource.GetType().Name, Options.DisposeTimeout, nameof(SessionRegistryOptions.DisposeTimeout)));
                    _index--;
                    break;
                case Step.DeleteTempFiles:
                    AddFailure(TeardownStage.DeleteTempFiles, _snapshot.TempFiles![_index], Overran("deleting the file", Options.DisposeTimeout, nameof(SessionRegistryOptions.DisposeTimeout)));
                    _index++;
                    break;
                case Step.ReleaseOwners:
                    string ownerName = _owners!.Names[_index];
                    AbandonContext(ownerName, Overran("releasing the session from " + ownerName, Options.OwnerReleaseTimeout, nameof(SessionRegistryOptions.OwnerReleaseTimeout)));
                    _index++;
                    break;
                default:
                    throw new InvalidOperationException("No watched call runs in teardown step " + _step + ".");
            }
        }

        private void RecordUndrained()
        {
            var names = _session.RunningTaskNames();
            if (names.Count == 0)
            {
                return;
            }

            _undrained = names;
            _registry.Instruments.TasksUndrained.Add(names.Count);
            foreach (var name in names)
            {
                Log.TaskMissedDrain(_registry.Logger, _session.Id, name, Options.TaskDrainTimeout.TotalMilliseconds);
            }
        }

        private void AbandonContext(string ownerName, Exception timeout)
        {
            var context = _context!;
            _context = null;
            context.Close();
            AddFailure(TeardownStage.ReleaseOwners, ownerName, timeout);
            CollectRelease(ownerName, context);
        }

        private void Publish()
        {
            var registry = _registry;
            registry._watchdog.Remove(this);
            var id = _session.Id;
            var (tasksStarted, tasksFaulted) = _session.TaskCounts();
            var report = new SessionTeardownReport(
                id,
                _reason,
                tasksStarted,
                tasksFaulted,
                _snapshot.RunningTasks,
                _undrained,
                _removed is null ? Array.Empty<OwnerEntriesRemoved>() : _removed,
                _disposed,
                _tempDeleted,
                _failures is null ? Array.Empty<TeardownFailure>() : _failures,
                Time.GetElapsedTime(_started));

            // 5. Remove the session and publish the report.
            registry._sessions.TryRemove(new KeyValuePair<SessionId, Session>(id, _session));
            int stillOpen = Interlocked.Decrement(ref registry._openCount);

            // A token whose cancel never returned, or whose tasks did not drain, is still in use: left undisposed.
            _session.MarkEnded(disposeToken: _undrained.Count == 0 && !_cancelOverran);

            var instruments = registry.Instruments;
            var logger = registry.Logger;
            var reasonTag = RegistryInstruments.ReasonTag(_reason);
            instruments.Ended.Add(1, reasonTag);
            instruments.TeardownDuration.Record(report.Elapsed.TotalSeconds, reasonTag);
            foreach (var failure in report.Failures)
            {
                instruments.TeardownFailures.Add(1, RegistryInstruments.StageTag(failure.Stage));
                Log.TeardownFailure(logger, failure.Exception, id, failure.Stage, failure.Subject);
            }

            if (logger.IsEnabled(LogLevel.Information))
            {
                Log.SessionEnded(logger, id, _reason, report.Elapsed.TotalMilliseconds, report.EntriesRemoved, _disposed, _snapshot.RunningTasks);
            }

            var handlers = registry.SessionEnded;
            if (handlers is not null)
            {
                foreach (EventHandler<SessionTeardownReport> handler in handlers.GetInvocationList())
                {
                    try
                    {
                        handler(registry, report);
                    }
                    catch (Exception ex)
                    {
                        Log.TeardownFailure(logger, ex, id, TeardownStage.Publish, handler.Method.Name);
                    }
                }
            }

            // 6. Last session gone: anything still held is a leak, if no session was opened meanwhile. A session opened
            // and ended during the check can show entries it held then, and one still open holds them rightly: either
            // way what the check saw is not a leak.
            if (stillOpen == 0)
            {
                long opened = Volatile.Read(ref registry._openedTotal);
                if (Volatile.Read(ref registry._openCount) == 0)
                {
                    var residuals = registry.CheckResiduals();
                    if (!residuals.IsClean && Volatile.Read(ref registry._openCount) == 0 && Volatile.Read(ref registry._openedTotal) == opened)
                    {
                        Log.Residuals(logger, residuals);
                    }
                }
            }

            // Last, so that a caller awaiting EndAsync sees everything above done.
            _completion.TrySetResult(report);
        }

        /// <summary>Starts a watched call (only the teardown's holder calls it) and returns its number.</summary>
        private int Watch(long deadline)
        {
            Volatile.Write(ref _callDeadline, deadline);
            int call = _call + 1;
            Volatile.Write(ref _call, call);
            return call;
        }

        /// <summary>Ends a watched call. False when the watchdog abandoned it: this thread must touch nothing more.</summary>
        private bool Unwatch(int call) => Interlocked.CompareExchange(ref _call, call + 1, call) == call;

        private long StepDeadline(TimeSpan timeout, long from) =>
            from + (long)(timeout.Ticks * ((double)Time.TimestampFrequency / TimeSpan.TicksPerSecond));

        private TimeSpan Remaining(long deadline)
        {
            long left = deadline - Time.GetTimestamp();
            return left <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)(left * ((double)TimeSpan.TicksPerSecond / Time.TimestampFrequency)));
        }

        /// <summary>Completes a watched call's operation within its step's deadline: null when it succeeded, else its
        /// failure (a <see cref="TimeoutException"/> naming <paramref name="doing"/> <paramref name="subject"/> when the
        /// deadline passed first).</summary>
        private async ValueTask<Exception?> CompleteWithinAsync(ValueTask pending, long deadline, TimeSpan timeout, string doing, string subject)
        {
            try
            {
                if (pending.IsCompleted)
                {
                    pending.GetAwaiter().GetResult();
                }
                else
                {
                    await WithTimeout(pending.AsTask(), deadline, timeout, doing + subject).ConfigureAwait(false);
                }

                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }

        /// <summary>An owner's release without its count, which the teardown reads from the context: a completed release
        /// is observed here (its failure thrown to the caller), a running one continues as a task.</summary>
        private static ValueTask WithoutCount(ValueTask<int> release)
        {
            if (release.IsCompleted)
            {
                release.GetAwaiter().GetResult();
                return default;
            }

            return new ValueTask(release.AsTask());
        }

        private async Task WithTimeout(Task task, long deadline, TimeSpan timeout, string what)
        {
            try
            {
                await task.WaitAsync(Remaining(deadline), Time).ConfigureAwait(false);
            }
            catch (TimeoutException) when (!task.IsCompleted)
            {
                // It goes on without us: observe its eventual fault so it is never an unobserved exception.
                ObserveLate(new ValueTask(task));
                throw new TimeoutException($"Timed out after {timeout.TotalMilliseconds} ms {what}.");
            }
        }

        private void AddFailure(TeardownStage stage, string subject, Exception ex) =>
            (_failures ??= new()).Add(new TeardownFailure(stage, subject, ex));

        private void CollectRelease(string ownerName, SessionReleaseContext context)
        {
            foreach (var (member, count) in context.RemovedSoFar)
            {
                if (count > 0)
                {
                    (_removed ??= new()).Add(new OwnerEntriesRemoved(ownerName, member, count));
                }
            }

            foreach (var (member, error) in context.FailuresSoFar)
            {
                AddFailure(TeardownStage.ReleaseOwners, ownerName + "." + member, error);
            }
        }

        private static TimeoutException Overran(string what, TimeSpan timeout, string option) =>
            new($"Timed out after {timeout.TotalMilliseconds} ms {what}: the call did not return within {option}, and the teardown went on without it.");

        private static string TypeName(object resource) => resource.GetType().FullName ?? resource.GetType().Name;

        private static ValueTask DisposeSync(IDisposable disposable)
        {
            disposable.Dispose();
            return default;
        }

        private static void ObserveLate(ValueTask pending)
        {
            if (pending.IsCompleted)
            {
                if (!pending.IsCompletedSuccessfully)
                {
                    _ = pending.AsTask().Exception;
                }

                return;
            }

            _ = pending.AsTask().ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
