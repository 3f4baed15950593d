using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace SessionGuard.Analyzers.RealWorld;

/// <summary>One SessionGuard diagnostic from a foreign build: the key of the verdict file is rule, codebase, file, line.</summary>
public sealed record Report(string Rule, string Codebase, string File, int Line, string Message)
{
    /// <summary>The identity of a report across runs.</summary>
    public (string Rule, string Codebase, string File, int Line) Key => (Rule, Codebase, File, Line);

    /// <summary>
    /// The SessionGuard results (rule ids SGxxxx) of a SARIF 2.1 log; paths are made relative to <paramref name="root"/>.
    /// Results suppressed in source (#pragma, [SuppressMessage]) are left out: a user never sees them.
    /// </summary>
    public static IEnumerable<Report> ReadSarif(string sarifPath, string codebase, string root)
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllText(sarifPath));
        foreach (var run in document.RootElement.GetProperty("runs").EnumerateArray())
        {
            if (!run.TryGetProperty("results", out var results))
            {
                continue;
            }

            foreach (var result in results.EnumerateArray())
            {
                string rule = result.GetProperty("ruleId").GetString() ?? "";
                if (!rule.StartsWith("SG", StringComparison.Ordinal))
                {
                    continue;
                }

                if (result.TryGetProperty("suppressions", out var suppressions) && suppressions.GetArrayLength() > 0)
                {
                    continue;
                }

                string message = result.TryGetProperty("message", out var m) && m.TryGetProperty("text", out var text) ? text.GetString() ?? "" : "";
                if (!result.TryGetProperty("locations", out var locations) || locations.GetArrayLength() == 0)
                {
                    // A compilation-wide report (SG1004, an invalid option) has no source location.
                    yield return new Report(rule, codebase, "", 0, message);
                    continue;
                }

                var location = locations[0].GetProperty("physicalLocation");
                string uri = location.GetProperty("artifactLocation").GetProperty("uri").GetString() ?? "";
                int line = location.GetProperty("region").GetProperty("startLine").GetInt32();
                yield return new Report(rule, codebase, Relative(uri, root), line, message);
            }
        }
    }

    private static string Relative(string uri, string root)
    {
        string path = uri.StartsWith("file://", StringComparison.Ordinal) ? new Uri(uri).LocalPath : Uri.UnescapeDataString(uri);
        string fullRoot = Path.GetFullPath(root).TrimEnd('/') + "/";
        if (path.StartsWith(fullRoot, StringComparison.Ordinal))
        {
            return path.Substring(fullRoot.Length);
        }

        // A deterministic build maps the source root to /_/.
        return path.StartsWith("/_/", StringComparison.Ordinal) ? path.Substring(3) : path;
    }
}
