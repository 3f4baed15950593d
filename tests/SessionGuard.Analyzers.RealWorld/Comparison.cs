using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace SessionGuard.Analyzers.RealWorld;

/// <summary>The reports of a run against the checked-in verdicts: precision per rule, and what is new or has vanished.</summary>
public sealed class Comparison
{
    private Comparison(IReadOnlyList<(Report Report, Verdict? Verdict)> matched, IReadOnlyList<Verdict> vanished)
    {
        Matched = matched;
        Vanished = vanished;
    }

    /// <summary>Every report of the run, with its verdict when the verdict file has one.</summary>
    public IReadOnlyList<(Report Report, Verdict? Verdict)> Matched { get; }

    /// <summary>Reports of the run that the verdict file does not know.</summary>
    public IEnumerable<Report> New => Matched.Where(m => m.Verdict is null).Select(m => m.Report);

    /// <summary>Reports the run left unreviewed: new ones and those marked '?'.</summary>
    public IEnumerable<Report> Unreviewed => Matched.Where(m => m.Verdict?.Right is null).Select(m => m.Report);

    /// <summary>Verdicts whose report the run no longer produces.</summary>
    public IReadOnlyList<Verdict> Vanished { get; }

    /// <summary>Pairs the run's reports with the verdicts.</summary>
    public static Comparison Of(IEnumerable<Report> reports, IEnumerable<Verdict> verdicts)
    {
        var byKey = verdicts.ToDictionary(v => v.Key);
        var matched = reports.Select(r => (r, byKey.TryGetValue(r.Key, out var v) ? v : null)).ToList();
        var seen = matched.Select(m => m.r.Key).ToHashSet();
        var vanished = byKey.Values.Where(v => !seen.Contains(v.Key)).ToList();
        return new Comparison(matched, vanished);
    }

    /// <summary>The verdict file as it would be for this run: verdicts kept, new reports added as '?' with their message, vanished ones dropped.</summary>
    public IEnumerable<Verdict> Received() =>
        Matched.Select(m => m.Verdict ?? new Verdict(m.Report.Rule, m.Report.Codebase, m.Report.File, m.Report.Line, null, "-", m.Report.Message));

    /// <summary>The printed report: counts and precision per rule and per codebase, false reports by shape, then new and vanished reports.</summary>
    public string Format(IEnumerable<string> header)
    {
        var text = new StringBuilder();
        foreach (string line in header)
        {
            text.Append(line).Append('\n');
        }

        text.Append('\n').Append("Per rule (all codebases)\n");
        Table(text, Matched.GroupBy(m => m.Report.Rule).OrderBy(g => g.Key, StringComparer.Ordinal));
        text.Append('\n').Append("Per rule and codebase\n");
        Table(text, Matched.GroupBy(m => m.Report.Rule + " " + m.Report.Codebase).OrderBy(g => g.Key, StringComparer.Ordinal));

        var shapes = Matched.Where(m => m.Verdict?.Right == false).GroupBy(m => m.Report.Rule + " shape " + m.Verdict!.Shape).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (shapes.Count > 0)
        {
            text.Append('\n').Append("False reports by shape (issue 17's letters; '-' = none fits)\n");
            foreach (var shape in shapes)
            {
                text.Append("  ").Append(shape.Key).Append(": ").Append(shape.Count()).Append('\n');
            }
        }

        text.Append('\n').Append(CultureInfo.InvariantCulture, $"New reports (no verdict yet): {New.Count()}\n");
        foreach (var r in New)
        {
            text.Append(CultureInfo.InvariantCulture, $"  + {r.Rule} {r.Codebase} {r.File}:{r.Line}  {r.Message}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"Vanished reports (verdict, no report): {Vanished.Count}\n");
        foreach (var v in Vanished)
        {
            string verdict = v.Right switch { true => "true", false => "false", null => "?" };
            text.Append(CultureInfo.InvariantCulture, $"  - {v.Rule} {v.Codebase} {v.File}:{v.Line}  was {verdict} {v.Shape}: {v.Reason}\n");
        }

        return text.ToString();
    }

    private static void Table(StringBuilder text, IEnumerable<IGrouping<string, (Report Report, Verdict? Verdict)>> groups)
    {
        text.Append(CultureInfo.InvariantCulture, $"  {"",-34} {"reports",7} {"true",5} {"false",5} {"unrev.",6}  precision\n");
        foreach (var group in groups)
        {
            int right = group.Count(m => m.Verdict?.Right == true);
            int wrong = group.Count(m => m.Verdict?.Right == false);
            int open = group.Count(m => m.Verdict?.Right is null);
            string precision = right + wrong == 0 ? "-" : ((double)right / (right + wrong)).ToString("P0", CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"  {group.Key,-34} {group.Count(),7} {right,5} {wrong,5} {open,6}  {precision}\n");
        }
    }
}
