using System;
using System.Threading.Tasks;

namespace SessionGuard.AspNetCore.Tests;

/// <summary>A resource a handler gives its session; records its disposal.</summary>
public sealed class Probe : IDisposable
{
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Disposed => _disposed.Task;

    public void Dispose() => _disposed.TrySetResult();
}
