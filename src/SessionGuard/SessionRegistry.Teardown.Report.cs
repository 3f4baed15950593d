using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace SessionGuard;

public sealed partial class SessionRegistry
{
    // What the teardown reports: its failures, undrained tasks and removed entries, and the published report.
    private sealed partial class Teardown
    {
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

        private static string TypeName(object resource) => resource.GetType().FullName ?? resource.GetType().Name;
    }
}
