using System;
using System.IO;
using System.Runtime.CompilerServices;

namespace SessionGuard.Generators.Tests;

/// <summary>
/// Verify-style snapshots (see DEVELOPERS.md): <c>&lt;TestClass&gt;.&lt;TestMethod&gt;[_&lt;parameters&gt;].verified.cs</c> next to
/// the test; a mismatch writes <c>.received.cs</c> and fails; <c>SESSIONGUARD_ACCEPT_SNAPSHOTS=1</c> accepts.
/// </summary>
internal static class Snapshot
{
    public static void Verify(string actual, string testClass, string suffix = "", [CallerMemberName] string testMethod = "", [CallerFilePath] string testFile = "")
    {
        string directory = Path.GetDirectoryName(testFile)!;
        string name = $"{testClass}.{testMethod}{(suffix.Length > 0 ? "_" + suffix : string.Empty)}";
        string verified = Path.Combine(directory, name + ".verified.cs");
        string received = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);

        if (Environment.GetEnvironmentVariable("SESSIONGUARD_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        string? expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n", StringComparison.Ordinal) : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"No snapshot {verified}; wrote {received}. Review it and accept with SESSIONGUARD_ACCEPT_SNAPSHOTS=1."
            : $"Snapshot {verified} differs; wrote {received}. Review the diff and accept with SESSIONGUARD_ACCEPT_SNAPSHOTS=1.");
    }
}
