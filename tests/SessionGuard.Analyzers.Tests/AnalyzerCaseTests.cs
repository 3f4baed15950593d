using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SessionGuard.Analyzers.Tests;

/// <summary>
/// The shared theory runner of the rule tests. A rule's test class derives from it and declares two static
/// <c>TheoryData&lt;string, string&gt;</c> members of named cases: <c>Positive</c>, whose sources mark every expected
/// diagnostic with <c>{|SGxxxx:...|}</c>, and <c>Negative</c>, whose sources must stay silent. Each case compiles as
/// <see cref="Sources.Usings"/>, then <see cref="Prelude"/>, then the case.
/// </summary>
/// <typeparam name="TAnalyzer">The analyzer under test.</typeparam>
public abstract class AnalyzerCaseTests<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    /// <summary>Declarations every case of the class compiles with, after the usings.</summary>
    protected virtual string Prelude => string.Empty;

    // xUnit looks the data members up on the test class, the derived one, where the analyzer (xUnit1015) cannot see them.
#pragma warning disable xUnit1015
    [Theory]
    [MemberData("Positive")]
    public Task Reports(string name, string source) => Run(Prelude, name, source);

    [Theory]
    [MemberData("Negative")]
    public Task Stays_quiet(string name, string source) => Run(Prelude, name, source);
#pragma warning restore xUnit1015

    /// <summary>Runs one named case: <paramref name="prelude"/> and <paramref name="source"/> after the usings.</summary>
    protected static Task Run(string prelude, string name, string source)
    {
        Assert.False(string.IsNullOrEmpty(name));
        return Verify.Analyzer<TAnalyzer>(Sources.Wrap(prelude + source));
    }
}
