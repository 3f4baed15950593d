using System;
using System.IO;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>A folder of its own for one test's temp files, deleted with everything left in it.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "voicegateway-tests-" + Guid.NewGuid().ToString("N"));

    public TempFolder() => Directory.CreateDirectory(Path);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
