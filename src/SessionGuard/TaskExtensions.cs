using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SessionGuard;

/// <summary>
/// The sanctioned, greppable way to let a task run without awaiting it. The SessionGuard analyzer (SG1001)
/// treats a task handed to <c>Forget</c> as observed.
/// </summary>
// RS0026: the overloads differ by the awaitable's type; the optional parameter is filled by the compiler
// ([CallerArgumentExpression]), never by callers, so no call can become ambiguous.
#pragma warning disable RS0026
public static class TaskExtensions
{
    private static readonly Action<ILogger, string, Exception?> LogFault = LoggerMessage.Define<string>(
        LogLevel.Error,
        new EventId(1001, "ForgottenTaskFaulted"),
        "A forgotten task faulted: {Expression}");

    /// <summary>
    /// Lets <paramref name="task"/> run on without awaiting it: if it faults, the exception is observed (so it never
    /// surfaces as an unobserved task exception) and logged to <paramref name="logger"/> at
    /// <see cref="LogLevel.Error"/>. Cancellation is not an error and is not logged.
    /// </summary>
    /// <param name="task">The task to let go.</param>
    /// <param name="logger">Receives the task's fault.</param>
    /// <param name="expression">The caller's expression for the task, filled in by the compiler; it names the task in the log.</param>
    /// <exception cref="ArgumentNullException"><paramref name="task"/> or <paramref name="logger"/> is null.</exception>
    public static void Forget(this Task task, ILogger logger, [CallerArgumentExpression(nameof(task))] string? expression = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(logger);
        expression ??= "task";
        if (task.IsCompleted)
        {
            Observe(task, logger, expression);
            return;
        }

        task.ContinueWith(
            static (t, state) =>
            {
                var (log, name) = ((ILogger, string))state!;
                Observe(t, log, name);
            },
            (logger, expression),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>
    /// Lets <paramref name="task"/> run on without awaiting it; faults are observed and logged at
    /// <see cref="LogLevel.Error"/>, exactly as <see cref="Forget(Task, ILogger, string?)"/> does. The value task is
    /// consumed: do not await or read it afterwards.
    /// </summary>
    /// <param name="task">The value task to let go.</param>
    /// <param name="logger">Receives the task's fault.</param>
    /// <param name="expression">The caller's expression for the task, filled in by the compiler.</param>
    /// <exception cref="ArgumentNullException"><paramref name="logger"/> is null.</exception>
    public static void Forget(this ValueTask task, ILogger logger, [CallerArgumentExpression(nameof(task))] string? expression = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (task.IsCompletedSuccessfully)
        {
            // Consume it so that a pooled IValueTaskSource behind it is released.
            task.GetAwaiter().GetResult();
            return;
        }

        task.AsTask().Forget(logger, expression ?? "task");
    }

    /// <summary>
    /// Lets <paramref name="task"/> run on without awaiting it, dropping its result; faults are observed and logged
    /// at <see cref="LogLevel.Error"/>. The value task is consumed: do not await or read it afterwards.
    /// </summary>
    /// <typeparam name="T">The task's result type.</typeparam>
    /// <param name="task">The value task to let go.</param>
    /// <param name="logger">Receives the task's fault.</param>
    /// <param name="expression">The caller's expression for the task, filled in by the compiler.</param>
    /// <exception cref="ArgumentNullException"><paramref name="logger"/> is null.</exception>
    public static void Forget<T>(this ValueTask<T> task, ILogger logger, [CallerArgumentExpression(nameof(task))] string? expression = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (task.IsCompletedSuccessfully)
        {
            _ = task.Result;
            return;
        }

        task.AsTask().Forget(logger, expression ?? "task");
    }

    private static void Observe(Task task, ILogger logger, string expression)
    {
        if (task.IsFaulted)
        {
            // Reading Exception marks it observed.
            var exception = task.Exception!;
            Exception logged = exception.InnerExceptions.Count == 1 ? exception.InnerExceptions[0] : exception;
            LogFault(logger, expression, logged);
        }
    }
}
