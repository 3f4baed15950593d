using System;
using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace SessionGuard.DependencyInjection;

/// <summary>
/// Validates <see cref="SessionRegistryOptions"/> and the owner registrations when the host starts
/// (<c>ValidateOnStart</c>) and whenever the options are read, so a bad setting fails at startup, not on the first
/// connection.
/// </summary>
internal sealed class SessionGuardStartupValidator : IValidateOptions<SessionRegistryOptions>
{
    private readonly OwnerServices? _owners;

    public SessionGuardStartupValidator(OwnerServices? owners = null) => _owners = owners;

    public ValidateOptionsResult Validate(string? name, SessionRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            failures.Add(ex.Message);
        }

        if (_owners is not null && (name is null || name == Options.DefaultName))
        {
            failures.AddRange(_owners.Errors());
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
