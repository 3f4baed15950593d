using System.Threading.Tasks;

namespace SessionGuard.Analyzers.Tests;

public class OwnerNotRegisteredTests : AnalyzerCaseTests<OwnerNotRegisteredAnalyzer>
{
    private const string Owner = """
        class AudioOwner : ISessionScoped
        {
            public ValueTask<int> ReleaseSessionAsync(SessionId session) => new(0);
            public int MemberCount => 0;
            public string GetMemberName(int index) => "";
            public int GetLiveEntryCount(int index) => 0;
            public void Use() { }
        }
        partial class GeneratedOwner
        {
            [SessionScoped] private readonly Dictionary<SessionId, int> _map = new();
            public void Use() { }
        }
        class Holder { public AudioOwner? Owner { get; set; } }

        """;

    public static TheoryData<string, string> Positive => new()
    {
        { "created and dropped", """
            class C { void M() { {|SG2002:new AudioOwner()|}; } }
            """ },
        { "created into a local that is only used", """
            class C { void M() { var o = {|SG2002:new AudioOwner()|}; o.Use(); } }
            """ },
        { "created into a local that is never used", """
            class C { void M() { var o = {|SG2002:new AudioOwner()|}; } }
            """ },
        { "generated owner ([SessionScoped] members) created and used locally", """
            class C { void M() { var o = {|SG2002:new GeneratedOwner()|}; o.Use(); } }
            """ },
        { "target-typed new", """
            class C { void M() { AudioOwner o = {|SG2002:new()|}; o.Use(); } }
            """ },
        { "created as a receiver only", """
            class C { void M() { {|SG2002:new AudioOwner()|}.Use(); } }
            """ },
        { "created in a loop, used locally", """
            class C { void M(int n) { for (int i = 0; i < n; i++) { var o = {|SG2002:new AudioOwner()|}; o.Use(); } } }
            """ },
        { "created in a lambda, used locally", """
            class C { Action M() => () => { var o = {|SG2002:new AudioOwner()|}; o.Use(); }; }
            """ },
        { "created in a constructor, used locally", """
            class C { public C() { var o = {|SG2002:new AudioOwner()|}; o.Use(); } }
            """ },
        { "discarded", """
            class C { void M() { _ = {|SG2002:new AudioOwner()|}; } }
            """ },
        { "local reassigned, then used", """
            class C { void M() { AudioOwner o; o = {|SG2002:new AudioOwner()|}; o.Use(); } }
            """ },
        { "created in a local function", """
            class C { void M() { Local(); void Local() { var o = {|SG2002:new AudioOwner()|}; o.Use(); } } }
            """ },
        { "created in a property getter", """
            class C { int P { get { var o = {|SG2002:new AudioOwner()|}; return o.MemberCount; } } }
            """ },
        { "two owners, one registered", """
            class C
            {
                void M(SessionRegistry registry)
                {
                    var a = new AudioOwner();
                    registry.Register(a);
                    var b = {|SG2002:new AudioOwner()|};
                    b.Use();
                }
            }
            """ },
        { "created in a static method, member read only", """
            class C { static int M() { var o = {|SG2002:new GeneratedOwner()|}; return o.GetHashCode(); } }
            """ },
        { "created in an async method, used locally", """
            class C { async Task M() { var o = {|SG2002:new AudioOwner()|}; await o.ReleaseSessionAsync(default); } }
            """ },
    };

    public static TheoryData<string, string> Negative => new()
    {
        { "registered directly", """
            class C { void M(SessionRegistry registry) { registry.Register(new AudioOwner()); } }
            """ },
        { "registered through a local", """
            class C { IDisposable M(SessionRegistry registry) { var o = new AudioOwner(); return registry.Register(o); } }
            """ },
        { "returned", """
            class C { AudioOwner M() { return new AudioOwner(); } }
            """ },
        { "expression-bodied return", """
            class C { ISessionScoped M() => new AudioOwner(); }
            """ },
        { "stored in a field", """
            class C { private readonly AudioOwner _owner; public C() { _owner = new AudioOwner(); } }
            """ },
        { "field initializer", """
            class C { private readonly AudioOwner _owner = new AudioOwner(); }
            """ },
        { "stored in a property", """
            class C { public AudioOwner? Owner { get; set; } void M() { Owner = new AudioOwner(); } }
            """ },
        { "object initializer member", """
            class C { Holder M() => new Holder { Owner = new AudioOwner() }; }
            """ },
        { "handed to DI as an argument", """
            class Services { public void AddSingleton<T>(T instance) { } }
            class C { void M(Services services) { services.AddSingleton<ISessionScoped>(new AudioOwner()); } }
            """ },
        { "DI factory lambda", """
            class C { Func<IServiceProvider, ISessionScoped> M() => sp => new AudioOwner(); }
            """ },
        { "added to a collection", """
            class C { private readonly List<ISessionScoped> _owners = new(); void M() { _owners.Add(new AudioOwner()); } }
            """ },
        { "array initializer", """
            class C { ISessionScoped[] M() => new ISessionScoped[] { new AudioOwner(), new AudioOwner() }; }
            """ },
        { "not an owner", """
            class Plain { public void Use() { } }
            class C { void M() { var p = new Plain(); p.Use(); new Plain(); } }
            """ },
        { "copied to another local that is registered", """
            class C { void M(SessionRegistry r) { var a = new AudioOwner(); ISessionScoped b = a; r.Register(b); } }
            """ },
        { "local stored in a field later", """
            class C { private ISessionScoped? _o; void M() { var o = new AudioOwner(); o.Use(); _o = o; } }
            """ },
        { "passed to a constructor", """
            class Consumer { public Consumer(ISessionScoped owner) { } }
            class C { Consumer M() => new Consumer(new AudioOwner()); }
            """ },
    };

    protected override string Prelude => Owner;

    [Fact]
    public Task Message_names_the_owner_type() =>
        Verify.Analyzer<OwnerNotRegisteredAnalyzer>(
            Sources.Wrap(Owner + "class C { void M() { {|#0:new AudioOwner()|}; } }"),
            null,
            Verify.Diagnostic("SG2002").WithLocation(0).WithArguments("AudioOwner", "is never registered with SessionRegistry.Register, returned, stored or handed to DI, so no session is ever released from it"));

    private const string Di = "using Microsoft.Extensions.DependencyInjection;\nusing Microsoft.Extensions.DependencyInjection.Extensions;\n";

    /// <summary>A call of AddSessionGuard somewhere in the project: the registry finds owner services.</summary>
    private const string WithGuard = "\nclass Startup { void Configure(IServiceCollection services) => services.AddSessionGuard(); }";

    public static TheoryData<string, string> LeakingRegistrations => new()
    {
        { "singleton as itself, no AddSessionGuard", """
            class C { void M(IServiceCollection s) { {|SG2002:s.AddSingleton<AudioOwner>()|}; } }
            """ },
        { "singleton of a generated owner, no AddSessionGuard", """
            class C { void M(IServiceCollection s) { {|SG2002:s.AddSingleton<GeneratedOwner>()|}; } }
            """ },
        { "singleton under an interface, no AddSessionGuard", """
            interface IStore { }
            class Store : AudioOwner, IStore { }
            class C { void M(IServiceCollection s) { {|SG2002:s.AddSingleton<IStore, Store>()|}; } }
            """ },
        { "singleton by typeof, no AddSessionGuard", """
            class C { void M(IServiceCollection s) { {|SG2002:s.AddSingleton(typeof(AudioOwner))|}; } }
            """ },
        { "singleton instance, no AddSessionGuard", """
            class C { void M(IServiceCollection s) { {|SG2002:s.AddSingleton(new AudioOwner())|}; } }
            """ },
        { "TryAddSingleton, no AddSessionGuard", """
            class C { void M(IServiceCollection s) { {|SG2002:s.TryAddSingleton<AudioOwner>()|}; } }
            """ },
        { "scoped, even with AddSessionGuard", """
            class C { void M(IServiceCollection s) { {|SG2002:s.AddScoped<AudioOwner>()|}; } }
            """ + WithGuard },
        { "transient, even with AddSessionGuard", """
            class C { void M(IServiceCollection s) { {|SG2002:s.AddTransient<AudioOwner>()|}; } }
            """ + WithGuard },
        { "keyed scoped", """
            class C { void M(IServiceCollection s) { {|SG2002:s.AddKeyedScoped<AudioOwner>("k")|}; } }
            """ + WithGuard },
        { "scoped by typeof pair", """
            class C { void M(IServiceCollection s) { {|SG2002:s.AddScoped(typeof(ISessionScoped), typeof(AudioOwner))|}; } }
            """ + WithGuard },
    };

    public static TheoryData<string, string> SafeRegistrations => new()
    {
        { "singleton as itself with AddSessionGuard", """
            class C { void M(IServiceCollection s) { s.AddSingleton<AudioOwner>(); } }
            """ + WithGuard },
        { "singleton under an interface with AddSessionGuard", """
            interface IStore { }
            class Store : AudioOwner, IStore { }
            class C { void M(IServiceCollection s) { s.AddSingleton<IStore, Store>(); } }
            """ + WithGuard },
        { "instance with AddSessionGuard", """
            class C { void M(IServiceCollection s) { s.AddSingleton(new AudioOwner()); } }
            """ + WithGuard },
        { "a service that is not an owner", """
            class Plain { }
            class C { void M(IServiceCollection s) { s.AddScoped<Plain>(); s.AddSingleton<Plain>(); } }
            """ },
    };

    [Theory]
    [MemberData(nameof(LeakingRegistrations))]
    public Task Reports_registrations_that_leak(string name, string source) => Run(Di + Owner, name, source);

    [Theory]
    [MemberData(nameof(SafeRegistrations))]
    public Task Stays_quiet_on_registrations_the_registry_finds(string name, string source) => Run(Di + Owner, name, source);

    [Fact]
    public Task A_scoped_registration_says_scoped_and_the_fix() =>
        Verify.Analyzer<OwnerNotRegisteredAnalyzer>(
            Sources.Wrap(Di + Owner + "class C { void M(IServiceCollection s) { {|#0:s.AddScoped<AudioOwner>()|}; } }" + WithGuard),
            null,
            Verify.Diagnostic("SG2002").WithLocation(0).WithArguments("AudioOwner", "is registered with dependency injection as scoped: each scope creates an owner no SessionRegistry releases; register it as a singleton"));
}
