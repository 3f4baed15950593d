using System;
using System.Collections;
using System.Diagnostics;

namespace SessionGuard.Package.Tests;

/// <summary>
/// The environment of a dotnet (or git) process a test starts, as a user's shell would give it. Shared with
/// SessionGuard.Analyzers.RealWorld, which compiles this file too.
/// </summary>
internal static class ChildProcessEnvironment
{
    /// <summary>Removes the test host's MSBuild and VSTest variables, turns off MSBuild node reuse and the CLI's first-run chatter.</summary>
    public static void Clean(ProcessStartInfo start)
    {
        // The test host runs under `dotnet test`: its MSBuild variables would point a child build at the wrong SDK pieces.
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            string name = (string)variable.Key;
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || name == "DOTNET_HOST_PATH")
            {
                start.Environment.Remove(name);
            }
        }

        // A build node left alive after the child exits keeps every inherited handle, such as a lock the caller holds.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
    }
}
