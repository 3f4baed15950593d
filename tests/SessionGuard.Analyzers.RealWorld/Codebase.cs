using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace SessionGuard.Analyzers.RealWorld;

/// <summary>One pinned codebase of the suite, as described in codebases.json.</summary>
public sealed class Codebase
{
    /// <summary>The name used in the verdict file and the report.</summary>
    public string Name { get; set; } = "";

    /// <summary>owner/name of the public repository.</summary>
    public string Repository { get; set; } = "";

    /// <summary>The pinned commit (40 hex digits).</summary>
    public string Commit { get; set; } = "";

    /// <summary>Folders checked out (sparse checkout, cone mode).</summary>
    public List<string> Checkout { get; set; } = new();

    /// <summary>Projects built, relative to the repository root.</summary>
    public List<string> Projects { get; set; } = new();

    /// <summary>The one target framework built (passed as -f).</summary>
    public string Framework { get; set; } = "";

    /// <summary>Extra MSBuild properties for this codebase's build (e.g. narrowing TargetFrameworks so restore does not need old packs).</summary>
    public Dictionary<string, string> Properties { get; set; } = new();

    /// <summary>
    /// Analyzer options for this codebase, as its users would set them in an <c>.editorconfig</c> (key = value, e.g.
    /// <c>sessionguard.SG1001.fire_and_forget_arguments</c>); passed to its build as a global analyzer config.
    /// </summary>
    public Dictionary<string, string> Options { get; set; } = new();

    /// <summary>The codebases of codebases.json, in order.</summary>
    public static IReadOnlyList<Codebase> Load(string path)
    {
        var file = JsonSerializer.Deserialize<CodebaseFile>(File.ReadAllText(path), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
            ?? throw new InvalidDataException($"{path} is empty");
        foreach (var codebase in file.Codebases)
        {
            if (codebase.Commit.Length != 40 || codebase.Projects.Count == 0 || codebase.Framework.Length == 0 || !codebase.Repository.Contains('/', StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{path}: codebase '{codebase.Name}' needs repository owner/name, a 40-digit commit, projects and a framework");
            }
        }

        return file.Codebases;
    }

    private sealed class CodebaseFile
    {
        public List<Codebase> Codebases { get; set; } = new();
    }
}
