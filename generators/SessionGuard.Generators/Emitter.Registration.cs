using SessionGuard.Generators.Model;

namespace SessionGuard.Generators;

/// <summary>The registration file: an extension method per assembly that registers its owners with dependency injection.</summary>
internal static partial class Emitter
{
    public static string EmitRegistration(RegistrationModel model)
    {
        string className = "SessionScopedOwners_" + model.AssemblyIdentifier;
        var w = new SourceWriter();
        w.WriteLines($$"""
            {{Header}}
            #nullable enable

            namespace Microsoft.Extensions.DependencyInjection
            {
                /// <summary>Registers the [SessionScoped] owners of this assembly with dependency injection.</summary>
                {{GeneratedCode}}
                public static class {{className}}
                {
                    /// <summary>
                    /// Registers every non-generic [SessionScoped] owner class of this assembly as a singleton and forwards it as
                    /// <see cref="global::SessionGuard.ISessionScoped"/>. An owner already registered as itself keeps its registration
                    /// and is forwarded; an owner already forwarded by this method is left as it is, so calling it twice adds nothing.
                    /// </summary>
                    /// <param name="services">The service collection.</param>
                    /// <returns><paramref name="services"/>.</returns>
                    public static global::Microsoft.Extensions.DependencyInjection.IServiceCollection Add{{className}}(this global::Microsoft.Extensions.DependencyInjection.IServiceCollection services)
                    {
                        global::System.ArgumentNullException.ThrowIfNull(services);
            """);
        w.Indent(3);
        foreach (string owner in model.OwnerTypeNames)
        {
            w.WriteLine($"__SessionGuard_Add<{owner}>(services);");
        }

        w.Unindent(3);
        w.WriteLines(RegistrationHelpers);
        return w.ToString();
    }

    /// <summary>The end of the registration file: its helpers, the same for every assembly.</summary>
    private const string RegistrationHelpers = """
                    return services;
                }

                private static void __SessionGuard_Add<TOwner>(global::Microsoft.Extensions.DependencyInjection.IServiceCollection services)
                    where TOwner : class, global::SessionGuard.ISessionScoped
                {
                    bool registered = false;
                    foreach (var descriptor in services)
                    {
                        if (descriptor.IsKeyedService)
                        {
                            continue;
                        }

                        if (descriptor.ServiceType == typeof(TOwner))
                        {
                            registered = true;
                        }
                        else if (descriptor.ServiceType == typeof(global::SessionGuard.ISessionScoped) && (object?)descriptor.ImplementationFactory == (object)__SessionGuard_Forward<TOwner>.Factory)
                        {
                            return;
                        }
                    }

                    if (!registered)
                    {
                        global::Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<TOwner>(services);
                    }

                    services.Add(global::Microsoft.Extensions.DependencyInjection.ServiceDescriptor.Singleton(typeof(global::SessionGuard.ISessionScoped), __SessionGuard_Forward<TOwner>.Factory));
                }

                private static class __SessionGuard_Forward<TOwner>
                    where TOwner : class
                {
                    public static readonly global::System.Func<global::System.IServiceProvider, object> Factory =
                        static provider => global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<TOwner>(provider);
                }
            }
        }
        """;
}
