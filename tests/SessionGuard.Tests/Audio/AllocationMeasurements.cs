namespace SessionGuard.Tests.Audio;

/// <summary>A test collection that runs with no other test in parallel, for tests that assert on
/// <see cref="System.GC.GetAllocatedBytesForCurrentThread"/>.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurements
{
    public const string Name = "Allocation measurements";
}
