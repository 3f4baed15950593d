using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SessionGuard.VoiceGateway.Load;
using Spectre.Console;

namespace SessionGuard.VoiceGateway.Cli;

/// <summary>The runs side by side: what the clients saw, what the pipeline did, and what each server left behind.</summary>
internal static class ComparisonTable
{
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

        table.AddRow(new[] { "[grey]clients[/]" }.Concat(runs.Select(_ => string.Empty)).ToArray());
        foreach (var kind in Enum.GetValues<DisconnectKind>())
        {
            Row("  " + kind.ToString().ToLowerInvariant(), r => N(r.Load.Clients.GetValueOrDefault(kind)));
        }

        Row("  connects refused", r => N(r.Load.ConnectsRefused));
        Row("  connections broken by the server", r => N(r.Load.ConnectionsBroken));
        Row("  text frames received", r => N(r.Load.TextFramesReceived));
        table.AddRow(new[] { "[grey]pipeline[/]" }.Concat(runs.Select(_ => string.Empty)).ToArray());
        Row("  utterances recognized", r => N(r.Counters.Utterances));
        Row("  translations failed / timed out", r => $"{N(r.Counters.TranslationsFailed)} / {N(r.Counters.TranslationsTimedOut)}");
        Row("  audio dropped", r => Bytes(r.Counters.AudioDroppedBytes));
        table.AddRow(new[] { "[grey]left behind after the run[/]" }.Concat(runs.Select(_ => string.Empty)).ToArray());
        Row("  connections still tracked", r => N(r.Residuals.Connections), leak: true);
        Row("  per-session map entries", r => N(r.Residuals.MapEntries), leak: true);
        Row("  pending translations", r => N(r.Residuals.PendingOperations), leak: true);
        Row("  temp WAV files", r => N(r.Residuals.TempFiles), leak: true);
        Row("  glossary subscriptions", r => N(r.Residuals.Subscriptions), leak: true);
        Row("  open sockets", r => N(r.OpenSockets), leak: true);
        Row("  tasks still running", r => N(r.RunningTasks), leak: true);
        Row("  managed heap after a full GC", r => Bytes(r.HeapBytes));
        Row("  settled within the bound", r => r.Settled ? "yes" : "no");
        return table;
    }

    private static string Cell(string value, bool leak) =>
        !leak ? Markup.Escape(value) : value == "0" ? "[green]0[/]" : $"[red]{Markup.Escape(value)}[/]";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Bytes(long bytes) => bytes >= 1 << 20
        ? (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MB"
        : (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KB";
}
