using System;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Load;
using Spectre.Console;

namespace SessionGuard.VoiceGateway.Cli;

/// <summary>
/// Shows a server's run as it goes: a Spectre.Console progress bar on a terminal, plain lines at every tenth when the
/// output is redirected (CI, tests, a file), where a live bar would only fill the log with escape codes.
/// </summary>
internal static class RunProgress
{
    /// <summary>Whether this process's output can take a live progress bar.</summary>
    public static bool CanShowBars =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Ansi && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Starts <paramref name="run"/> with a fresh <see cref="LoadMonitor"/> and shows its clients finishing out of <paramref name="total"/>.</summary>
    public static async Task<T> ShowAsync<T>(IAnsiConsole console, bool bars, string label, int total, Func<LoadMonitor, Task<T>> run)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(total);
        var monitor = new LoadMonitor();
        if (bars)
        {
            return await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    ProgressTask bar = context.AddTask(Markup.Escape(label), maxValue: total);
                    Task<T> running = run(monitor);
                    while (!running.IsCompleted)
                    {
                        int done = monitor.Completed;
                        bar.Value = done;
                        if (done >= total)
                        {
                            bar.Description = Markup.Escape(label + " (settling)");
                        }

                        await PauseAsync(running).ConfigureAwait(false);
                    }

                    bar.Description = Markup.Escape(label);
                    bar.Value = total;
                    return await running.ConfigureAwait(false);
                }).ConfigureAwait(false);
        }

        Task<T> plain = run(monitor);
        int tenth = 1;
        while (!plain.IsCompleted)
        {
            await PauseAsync(plain).ConfigureAwait(false);
            tenth = Report(console, label, monitor.Completed, total, tenth);
        }

        Report(console, label, monitor.Completed, total, tenth);
        return await plain.ConfigureAwait(false);
    }

    /// <summary>Waits until <paramref name="run"/> ends or a tenth of a second passes, whichever comes first; never throws.</summary>
    private static async Task PauseAsync(Task run) =>
        await run.WaitAsync(TimeSpan.FromMilliseconds(100)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

    /// <summary>Writes a line for each tenth reached since <paramref name="tenth"/>; returns the next tenth to report.</summary>
    private static int Report(IAnsiConsole console, string label, int done, int total, int tenth)
    {
        while (tenth <= 10 && (long)done * 10 >= (long)tenth * total)
        {
            console.WriteLine($"{label}: {Math.Min(done, total)} of {total} clients finished ({tenth * 10} %)");
            tenth++;
        }

        return tenth;
    }
}
