using System;

namespace SessionGuard;

/// <summary>One thing that failed during a teardown. Teardown went on past it.</summary>
/// <param name="Stage">The teardown step.</param>
/// <param name="Subject">What failed: a task name, a resource's type, a temp file path, or an owner type and member.</param>
/// <param name="Exception">The failure; a <see cref="TimeoutException"/> for something that did not finish in time.</param>
public sealed record TeardownFailure(TeardownStage Stage, string Subject, Exception Exception)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Stage} {Subject}: {Exception.GetType().Name}: {Exception.Message}";
}
