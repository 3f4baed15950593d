using System;
using System.Collections.Generic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace SessionGuard.Redis.DependencyInjection;

/// <summary>Validates <see cref="RedisSessionOptions"/> when the host starts, and that the cluster has a way to reach Redis.</summary>
internal sealed class RedisSessionOptionsValidator : IValidateOptions<RedisSessionOptions>
{
    private readonly IServiceProviderIsService? _services;

    public RedisSessionOptionsValidator(IServiceProviderIsService? services = null) => _services = services;

    public ValidateOptionsResult Validate(string? name, RedisSessionOptions options)
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

        if (string.IsNullOrWhiteSpace(options.Configuration) && _services?.IsService(typeof(IConnectionMultiplexer)) != true)
        {
            failures.Add("RedisSessionOptions.Configuration is empty and no IConnectionMultiplexer is registered: set Configuration to a StackExchange.Redis configuration string (such as \"localhost:6379\") or register an IConnectionMultiplexer.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
