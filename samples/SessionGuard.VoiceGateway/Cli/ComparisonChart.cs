using System;
using System.Collections.Generic;
using System.Linq;
using ScottPlot;
using SessionGuard.VoiceGateway.Figures;
using SessionGuard.VoiceGateway.Load;
using SessionGuard.VoiceGateway.Server;

namespace SessionGuard.VoiceGateway.Cli;

/// <summary>
/// The runs' samples as one PNG: the managed heap, the live per-session map entries and the p99 close round trip
/// against sessions completed, one panel each, every server a line of its own colour.
/// </summary>
internal static class ComparisonChart
{
    public const int Width = 900;
    public const int Height = 900;

    public static void SavePng(IReadOnlyList<GatewayRunResult> runs, string path)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var chart = new Multiplot();
        chart.AddPlots(3);
        Panel(chart.GetPlot(0), runs, "Managed heap after a full GC", "MB", s => s.HeapBytes / (1024.0 * 1024));
        Panel(chart.GetPlot(1), runs, "Live entries in per-session maps", "entries", s => s.LiveEntries);
        Panel(chart.GetPlot(2), runs, "p99 close round trip since the previous point", "ms", s => s.RoundTripP99Ms);
        chart.GetPlot(2).Axes.Bottom.Label.Text = "sessions completed";
        chart.SavePng(path, Width, Height);
    }

    private static void Panel(Plot plot, IReadOnlyList<GatewayRunResult> runs, string title, string unit, Func<RunSample, double?> value)
    {
        plot.Title(title);
        plot.Axes.Left.Label.Text = unit;
        foreach (GatewayRunResult run in runs)
        {
            RunSample[] points = run.Figures.Samples.Where(s => value(s) is not null).ToArray();
            if (points.Length == 0)
            {
                continue;
            }

            var line = plot.Add.Scatter(
                points.Select(s => (double)s.SessionsCompleted).ToArray(),
                points.Select(s => value(s)!.Value).ToArray(),
                run.Mode == GatewayMode.Guarded ? Colors.SeaGreen : Colors.Crimson);
            line.LegendText = run.Mode.ToString().ToLowerInvariant();
            line.LineWidth = 2;
            line.MarkerSize = 5;
        }

        plot.Axes.AutoScale();
        plot.Axes.SetLimitsY(bottom: 0, top: Math.Max(1, plot.Axes.GetLimits().Top));
        plot.ShowLegend(Alignment.UpperLeft);
    }
}
