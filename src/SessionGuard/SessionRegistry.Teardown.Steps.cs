using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SessionGuard;

public sealed partial class SessionRegistry
{
    // The teardown's steps one item at a time: dispose one resource, delete one temp file, release the session from one owner.
    private sealed partial class Teardown
    {
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

        private static ValueTask DisposeSync(IDisposable disposable)
        {
            disposable.Dispose();
            return default;
        }
    }
}
