using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SessionGuard.VoiceGateway.Figures;
using SessionGuard.VoiceGateway.Load;
using Spectre.Console;

namespace SessionGuard.VoiceGateway.Cli;

/// <summary>The runs side by side: what the clients saw, what the pipeline did, and what each server left behind.</summary>
internal static class ComparisonTable
{
    private const string None = "—";

    public static Table Build(IReadOnlyList<GatewayRunResult> runs)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]What each server left behind[/]");
        table.AddColumn("measure");
        foreach (var run in runs)
        {
            table.AddColumn(new TableColumn($"[bold]{run.Mode.ToString().ToLowerInvariant()}[/]").RightAligned());
        }

        void Row(string name, Func<GatewayRunResult, string> value, bool leak = false) =>
            table.AddRow(new[] { name }.Concat(runs.Select(r => Cell(value(r), leak))).ToArray());

        void Heading(string name) => table.AddRow(new[] { $"[grey]{name}[/]" }.Concat(runs.Select(_ => string.Empty)).ToArray());

        Heading("clients");
        foreach (var kind in Enum.GetValues<DisconnectKind>())
        {
            Row("  " + kind.ToString().ToLowerInvariant(), r => N(r.Load.Clients.GetValueOrDefault(kind)));
        }

        Row("  connects refused", r => N(r.Load.ConnectsRefused));
        Row("  duplicates: first connection closed as replaced", r => N(r.Load.Replaced));
        Row("  connections broken by the server", r => N(r.Load.ConnectionsBroken));
        Row("  text frames received", r => N(r.Load.TextFramesReceived));
        Heading("sessions");
        Row("  opened (naive: one per connection)", r => N(r.Counters.Opened));
        Row("  ended (cleanup ran)", r => N(r.Counters.Ended));
        foreach (var reason in new[] { SessionEndReason.Closed, SessionEndReason.Disconnected, SessionEndReason.IdleExpired, SessionEndReason.Evicted })
        {
            Row("    " + Reason(reason), r => r.Teardown is { } t ? N(t.EndedByReason.GetValueOrDefault(reason)) : None);
        }

        Row("  teardown p50 / p99", r => r.Teardown is { } t ? $"{Ms(t.Duration.P50Ms)} / {Ms(t.Duration.P99Ms)}" : None);
        Row("  tasks that missed the drain", r => r.Teardown is { } t ? N(t.TasksMissedDrain) : None);
        Heading("pipeline");
        Row("  utterances recognized", r => N(r.Counters.Utterances));
        Row("  translations failed / timed out", r => $"{N(r.Counters.TranslationsFailed)} / {N(r.Counters.TranslationsTimedOut)}");
        Row("  audio dropped", r => Bytes(r.Counters.AudioDroppedBytes));
        Heading("speed and size over the run");
        Row("  process (its heap and pools only)", r => r.ProcessId.ToString(CultureInfo.InvariantCulture));
        Row("  close round trip p50 / p99, first 10 %", r => Latency(r.Figures.FirstTenth));
        Row("  close round trip p50 / p99, last 10 %", r => Latency(r.Figures.LastTenth));
        Row("  managed heap after a full GC, at 10 %", r => Bytes(r.Figures.HeapAtTenthBytes));
        Row("  managed heap after a full GC, at the end", r => Bytes(r.HeapBytes));
        Row("    of which held by buffer pools, at 10 % / at the end", r => $"{Bytes(r.Figures.PoolsAtTenth.Total)} / {Bytes(r.Figures.PoolsEnd.Total)}");
        Row("  heap growth per 1 000 sessions", r => SignedBytes(r.Figures.HeapGrowthPer1000Bytes));
        Row("  thread-pool queue at the end", r => N(r.Figures.ThreadPoolQueue));
        Heading("left behind after the run");
        Row("  connections still tracked", r => N(r.Residuals.Connections), leak: true);
        Row("  per-session map entries", r => N(r.Residuals.MapEntries), leak: true);
        Row("  pending translations", r => N(r.Residuals.PendingOperations), leak: true);
        Row("  temp WAV files", r => N(r.Residuals.TempFiles), leak: true);
        Row("  glossary subscriptions", r => N(r.Residuals.Subscriptions), leak: true);
        Row("  open sockets", r => N(r.OpenSockets), leak: true);
        Row("  tasks still running", r => N(r.RunningTasks), leak: true);
        Row("  settled within the bound", r => r.Settled ? "yes" : "no");
        return table;
    }

    internal static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    internal static string Ms(double ms) => ms.ToString(ms < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " ms";

    internal static string Bytes(long bytes) => bytes >= 1 << 20
        ? (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MB"
        : (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KB";

    private static string SignedBytes(double bytes) => (bytes < 0 ? "-" : "+") + Bytes((long)Math.Abs(bytes));

    private static string Latency(Percentiles p) => p.Count == 0 ? None : $"{Ms(p.P50Ms)} / {Ms(p.P99Ms)}";

    private static string Reason(SessionEndReason reason) => reason switch
    {
        SessionEndReason.Closed => "closed",
        SessionEndReason.Disconnected => "disconnected (grace ran out)",
        SessionEndReason.IdleExpired => "idle expired",
        SessionEndReason.Evicted => "evicted",
        _ => reason.ToString().ToLowerInvariant(),
    };

    private static string Cell(string value, bool leak) =>
        !leak ? Markup.Escape(value) : value == "0" ? "[green]0[/]" : $"[red]{Markup.Escape(value)}[/]";
}
