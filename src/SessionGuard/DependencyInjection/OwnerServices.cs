using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using Microsoft.Extensions.DependencyInjection;

namespace SessionGuard.DependencyInjection;

/// <summary>
/// Finds the owners of per-session state among the services of the collection <c>AddSessionGuard</c> was called on,
/// whatever their service type and whenever they were added (the collection is read when the registry is built).
/// </summary>
internal sealed class OwnerServices
{
    private readonly IServiceCollection _services;

    public OwnerServices(IServiceCollection services) => _services = services;

    public static OwnerServices? Find(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(OwnerServices) && !descriptor.IsKeyedService && descriptor.ImplementationInstance is OwnerServices found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>What is wrong with the owner registrations, one line per registration; empty when nothing is.</summary>
    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        foreach (var descriptor in Snapshot())
        {
            if (OwnerType(descriptor) is not { } owner)
            {
                continue;
            }

            string name = Name(owner);
            if (descriptor.ServiceType.IsGenericTypeDefinition)
            {
                errors.Add($"The owner {name} is registered as an open generic type, whose instances the SessionRegistry cannot find: register each closed type as a singleton (services.AddSingleton<{Short(owner)}<T>>()).");
            }
            else if (descriptor.Lifetime != ServiceLifetime.Singleton)
            {
                errors.Add($"The owner {name} is registered as {descriptor.Lifetime}: each scope or resolution would create an owner that no SessionRegistry releases. Register it as a singleton (services.AddSingleton<{Short(owner)}>()).");
            }
        }

        return errors;
    }

    public void ThrowIfInvalid()
    {
        var errors = Errors();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
        }
    }

    /// <summary>Every owner the container creates: services of type <see cref="ISessionScoped"/>, then every other owner service.</summary>
    public IEnumerable<ISessionScoped> Resolve(IServiceProvider provider)
    {
        var seen = new HashSet<ISessionScoped>(ReferenceEqualityComparer.Instance);
        foreach (var owner in provider.GetServices<ISessionScoped>())
        {
            if (owner is not null && seen.Add(owner))
            {
                yield return owner;
            }
        }

        var descriptors = Snapshot();
        var resolved = new HashSet<(Type, object?)>();
        foreach (var descriptor in descriptors)
        {
            if (descriptor.ServiceType == typeof(ISessionScoped) || descriptor.ServiceType.IsGenericTypeDefinition
                || descriptor.Lifetime != ServiceLifetime.Singleton || OwnerType(descriptor) is null
                || !resolved.Add((descriptor.ServiceType, descriptor.ServiceKey)))
            {
                continue;
            }

            foreach (var instance in ResolveAll(provider, descriptor))
            {
                if (instance is ISessionScoped owner && seen.Add(owner))
                {
                    yield return owner;
                }
            }
        }
    }

    [UnconditionalSuppressMessage("AotAnalysis", "IL3050", Justification = "Only reference service types get here; IEnumerable<T> of a reference type shares canonical code.")]
    private static IEnumerable<object?> ResolveAll(IServiceProvider provider, ServiceDescriptor descriptor)
    {
        if (descriptor.ServiceType.IsValueType)
        {
            return Array.Empty<object?>();
        }

        if (!descriptor.IsKeyedService)
        {
            // Every registration of the service type: the owner's may not be the last one.
            return provider.GetServices(descriptor.ServiceType);
        }

        if (descriptor.ServiceKey is { } key && !Equals(key, KeyedService.AnyKey) && provider is IKeyedServiceProvider keyed)
        {
            return new[] { keyed.GetKeyedService(descriptor.ServiceType, key) };
        }

        return Array.Empty<object?>();
    }

    // Read when the registry is built or the host starts: by then the collection is complete (a host makes it read-only).
    private ServiceDescriptor[] Snapshot() => _services.ToArray();

    /// <summary>The owner type a registration creates, or null when it creates no owner (or cannot tell).</summary>
    private static Type? OwnerType(ServiceDescriptor descriptor)
    {
        Type? implementation = descriptor.IsKeyedService
            ? descriptor.KeyedImplementationType ?? descriptor.KeyedImplementationInstance?.GetType()
            : descriptor.ImplementationType ?? descriptor.ImplementationInstance?.GetType();
        if (implementation is not null && typeof(ISessionScoped).IsAssignableFrom(implementation))
        {
            return implementation;
        }

        return typeof(ISessionScoped).IsAssignableFrom(descriptor.ServiceType) && descriptor.ServiceType != typeof(ISessionScoped)
            ? descriptor.ServiceType
            : null;
    }

    private static string Name(Type type) => type.FullName ?? type.Name;

    private static string Short(Type type)
    {
        int tick = type.Name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? type.Name : type.Name[..tick];
    }
}
