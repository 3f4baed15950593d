using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard;

public sealed partial class SessionRegistry
{
    // The bounds of the teardown's calls: watched calls the watchdog may abandon, step deadlines and timeouts.
    private sealed partial class Teardown
    {
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

        private static TimeoutException Overran(string what, TimeSpan timeout, string option) =>
            new($"Timed out after {timeout.TotalMilliseconds} ms {what}: the call did not return within {option}, and the teardown went on without it.");

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
