using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SessionGuard.Generators.Tests;

/// <summary>The pipeline caches: unchanged inputs give Cached/Unchanged steps; only a real model change gives Modified.</summary>
public class IncrementalTests
{
    private static readonly string[] TrackedSteps =
    {
        TrackingNames.Members,
        TrackingNames.CollectedMembers,
        TrackingNames.Owners,
        TrackingNames.RegistrationTarget,
        TrackingNames.RegistrableOwners,
        TrackingNames.Registration,
    };

    private const string Owner = """
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using SessionGuard;

        namespace Demo;

        public sealed record BufferKey(SessionId Session, string Turn);

        public sealed partial class DedupStage
        {
            [SessionScoped] private readonly ConcurrentDictionary<SessionId, string> _lastSentText = new();
            [SessionScoped] private readonly SessionMap<BufferKey, byte[]> _buffers = new(static k => k.Session);

            public int Work(int x)
            {
                return x + 1;
            }
        }
        """;

    private const string Unrelated = """
        namespace Demo;

        public static class Helpers
        {
            public static int Twice(int x) => x * 2;
        }
        """;

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        var compilation = TestCompilation.Create(true, Owner, Unrelated);
        var driver = TestCompilation.NewDriver().RunGenerators(compilation);
        Assert.Equal(2, driver.GetRunResult().GeneratedTrees.Length); // the owner and the registration
        return (driver, compilation);
    }

    private static Dictionary<string, IncrementalStepRunReason[]> Reasons(GeneratorDriver driver)
    {
        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        foreach (string name in TrackedSteps)
        {
            Assert.True(steps.ContainsKey(name), $"step {name} did not run");
        }

        return TrackedSteps.ToDictionary(
            name => name,
            name => steps[name].SelectMany(static step => step.Outputs).Select(static output => output.Reason).ToArray());
    }

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string text)
    {
        SyntaxTree old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, TestCompilation.ParseOptions, old.FilePath));
    }

    [Fact]
    public void Same_compilation_twice_is_all_cached()
    {
        var (driver, compilation) = FirstRun();
        driver = driver.RunGenerators(compilation);
        foreach (var (step, reasons) in Reasons(driver))
        {
            Assert.All(reasons, reason => Assert.True(reason == IncrementalStepRunReason.Cached, $"{step}: {reason}"));
        }
    }

    [Fact]
    public void Unrelated_edit_is_cached_or_unchanged()
    {
        var (driver, compilation) = FirstRun();
        driver = driver.RunGenerators(Replace(compilation, 1, Unrelated.Replace("x * 2", "x * 3", StringComparison.Ordinal)));
        AssertCachedOrUnchanged(driver);
    }

    [Fact]
    public void Owner_method_body_edit_is_cached_or_unchanged()
    {
        var (driver, compilation) = FirstRun();
        driver = driver.RunGenerators(Replace(compilation, 0, Owner.Replace("return x + 1;", "return x + 2; // changed", StringComparison.Ordinal)));
        var reasons = AssertCachedOrUnchanged(driver);

        // The owner's file did change, so its member step really re-ran and found an equal model.
        Assert.Contains(IncrementalStepRunReason.Unchanged, reasons[TrackingNames.Members]);
    }

    [Fact]
    public void New_member_is_modified()
    {
        var (driver, compilation) = FirstRun();
        string edited = Owner.Replace(
            "public int Work",
            "[SessionScoped] private readonly HashSet<SessionId> _active = new();\n\n    public int Work",
            StringComparison.Ordinal);
        driver = driver.RunGenerators(Replace(compilation, 0, edited));
        var reasons = Reasons(driver);
        Assert.Contains(IncrementalStepRunReason.Modified, reasons[TrackingNames.Owners]);
        Assert.Contains("_active", driver.GetRunResult().GeneratedTrees.Single(t => t.FilePath.EndsWith("DedupStage.SessionScoped.g.cs", StringComparison.Ordinal)).ToString(), StringComparison.Ordinal);

        // The set of registrable owners did not change: the registration stays cached.
        Assert.All(reasons[TrackingNames.Registration], r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void An_attributed_event_field_is_skipped_and_the_other_owners_still_get_code()
    {
        // [SessionScoped] on an event field is a compile error (the attribute allows fields and properties), but the
        // attribute is still bound, so the transform sees an event symbol and returns no result for it. The grouping
        // must skip that result, not fail the run.
        var compilation = TestCompilation.Create(false, Owner, """
            namespace Demo;

            public partial class WithEvent
            {
                [SessionGuard.SessionScoped] public event System.Action? Changed;
            }
            """);
        var driver = TestCompilation.NewDriver().RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Contains(result.TrackedSteps[TrackingNames.Members].SelectMany(static s => s.Outputs), static o => o.Value is null);
        Assert.Single(result.GeneratedSources, static s => s.HintName.EndsWith("DedupStage.SessionScoped.g.cs", StringComparison.Ordinal));
        Assert.DoesNotContain(result.GeneratedSources, static s => s.HintName.Contains("WithEvent", StringComparison.Ordinal));
    }

    [Fact]
    public void No_symbol_or_syntax_survives_the_transform()
    {
        var (driver, _) = FirstRun();
        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        int walked = 0;
        foreach (string name in TrackedSteps)
        {
            foreach (var output in steps[name].SelectMany(static s => s.Outputs))
            {
                Walk(output.Value, $"{name}", new HashSet<object>(ReferenceEqualityComparer.Instance));
                walked++;
            }
        }

        Assert.True(walked >= TrackedSteps.Length);
    }

    [Fact]
    public void The_walk_finds_a_symbol_when_one_is_there()
    {
        // Guards the walk itself: a model that held a symbol must be caught.
        var compilation = TestCompilation.Create(false, Owner);
        var holder = new { Inner = new object[] { 1, compilation.GetTypeByMetadataName("Demo.DedupStage")! } };
        Assert.Throws<Xunit.Sdk.FailException>(() => Walk(holder, "probe", new HashSet<object>(ReferenceEqualityComparer.Instance)));
    }

    private static Dictionary<string, IncrementalStepRunReason[]> AssertCachedOrUnchanged(GeneratorDriver driver)
    {
        var reasons = Reasons(driver);
        foreach (var (step, stepReasons) in reasons)
        {
            Assert.All(stepReasons, reason => Assert.True(
                reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"{step}: {reason}"));
        }

        return reasons;
    }

    private static readonly Type[] Forbidden =
    {
        typeof(ISymbol), typeof(Compilation), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Location), typeof(SemanticModel),
    };

    private static void Walk(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || value is Type)
        {
            return;
        }

        Type type = value.GetType();
        foreach (Type forbidden in Forbidden)
        {
            if (forbidden.IsInstanceOfType(value))
            {
                Assert.Fail($"{path} holds a {forbidden.Name} ({type.FullName})");
            }
        }

        if (!type.IsValueType && !seen.Add(value))
        {
            return;
        }

        if (value is Array array)
        {
            int i = 0;
            foreach (object? item in array)
            {
                Walk(item, $"{path}[{i++}]", seen);
            }

            return;
        }

        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Walk(field.GetValue(value), $"{path}.{field.Name}", seen);
            }
        }
    }
}
