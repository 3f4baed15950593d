using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace SessionGuard.Analyzers.RealWorld;

/// <summary>
/// A reviewed report: <see cref="Right"/> is true when the report names a real fault (a fault nobody observes, work
/// nobody cancels or joins), false when it does not; <see cref="Shape"/> is issue 17's shape letter (A-G) of a false
/// report where one fits, "-" otherwise; <see cref="Reason"/> is one line a reviewer can check against the code.
/// </summary>
public sealed record Verdict(string Rule, string Codebase, string File, int Line, bool? Right, string Shape, string Reason)
{
    /// <summary>The header line of the verdict file.</summary>
    public const string Header = "rule\tcodebase\tfile\tline\tverdict\tshape\treason";

    /// <summary>The identity of the report this verdict is about.</summary>
    public (string Rule, string Codebase, string File, int Line) Key => (Rule, Codebase, File, Line);

    /// <summary>Reads a verdict file: tab-separated, one verdict a line, '#' lines are comments.</summary>
    public static List<Verdict> Read(string path)
    {
        var verdicts = new List<Verdict>();
        int number = 0;
        foreach (string line in System.IO.File.ReadLines(path))
        {
            number++;
            if (line.Length == 0 || line.StartsWith('#') || line == Header)
            {
                continue;
            }

            string[] cells = line.Split('\t');
            if (cells.Length != 7 || !int.TryParse(cells[3], out int at))
            {
                throw new InvalidDataException($"{path}:{number}: expected 7 tab-separated cells ({Header.Replace('\t', ' ')}), got: {line}");
            }

            bool? right = cells[4] switch
            {
                "true" => true,
                "false" => false,
                "?" => null,
                _ => throw new InvalidDataException($"{path}:{number}: verdict must be true, false or ? (unreviewed), got '{cells[4]}'"),
            };
            if (right is not null && cells[6].Trim().Length == 0)
            {
                throw new InvalidDataException($"{path}:{number}: a verdict needs a one-line reason");
            }

            verdicts.Add(new Verdict(cells[0], cells[1], cells[2], at, right, cells[5], cells[6]));
        }

        var duplicate = verdicts.GroupBy(v => v.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidDataException($"{path}: two verdicts for {duplicate.Key}");
        }

        return verdicts;
    }

    /// <summary>Writes verdicts in the file's order: codebase, file, line, rule.</summary>
    public static void Write(string path, string preamble, IEnumerable<Verdict> verdicts)
    {
        var text = new StringBuilder(preamble);
        text.Append(Header).Append('\n');
        foreach (var v in Sort(verdicts))
        {
            string verdict = v.Right switch { true => "true", false => "false", null => "?" };
            text.Append(v.Rule).Append('\t').Append(v.Codebase).Append('\t').Append(v.File).Append('\t').Append(v.Line).Append('\t')
                .Append(verdict).Append('\t').Append(v.Shape).Append('\t').Append(v.Reason.Replace('\t', ' ').Replace('\n', ' ')).Append('\n');
        }

        System.IO.File.WriteAllText(path, text.ToString());
    }

    /// <summary>The comment lines at the top of a verdict file, kept when it is rewritten.</summary>
    public static string Preamble(string path) =>
        string.Concat(System.IO.File.ReadLines(path).TakeWhile(l => l.StartsWith('#')).Select(l => l + "\n"));

    private static IEnumerable<Verdict> Sort(IEnumerable<Verdict> verdicts) =>
        verdicts.OrderBy(v => v.Codebase, StringComparer.Ordinal).ThenBy(v => v.File, StringComparer.Ordinal).ThenBy(v => v.Line).ThenBy(v => v.Rule, StringComparer.Ordinal);
}
