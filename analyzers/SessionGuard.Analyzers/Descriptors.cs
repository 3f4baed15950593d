using Microsoft.CodeAnalysis;
using static SessionGuard.Diagnostics.DiagnosticRules;

namespace SessionGuard.Analyzers;

/// <summary>
/// The diagnostic descriptors of the SessionGuard leak analyzers, one analyzer a rule. IDs, the category and the
/// help link come from <see cref="SessionGuard.Diagnostics.DiagnosticRules"/>, shared with the generator's rules.
/// </summary>
internal static class Descriptors
{
    internal static readonly DiagnosticDescriptor FireAndForget = Create(
        FireAndForgetId,
        "Fire-and-forget task",
        "The task of '{0}' is {1}, and its work can fault: {2}; await it, return it, store it, or hand it to an owner (Session.Run, Forget, or a method listed in sessionguard.SG1001.owner_methods)",
        "A task nobody observes keeps running after its session ended, holds per-session state alive and loses its exceptions.");

    internal static readonly DiagnosticDescriptor FireAndForgetNoVisibleFault = SessionGuard.Diagnostics.DiagnosticRules.Create(
        FireAndForgetNoVisibleFaultId,
        "Fire-and-forget task with no visible fault",
        "The task of '{0}' is {1}; its work shows no way to fault, but nothing waits for it: await it, store it, or hand it to an owner (Session.Run, Forget, or a method listed in sessionguard.SG1001.owner_methods)",
        ReliabilityCategory,
        DiagnosticSeverity.Info,
        "A task nobody observes whose work shows no way to fault (no I/O or other assembly's work, no user callback, no throw outside a catch-all) but is not proven fault-free either. It still runs past its session and nobody joins it; SG1001 reports the dropped tasks that visibly can fault.");

    internal static readonly DiagnosticDescriptor AsyncVoidMethod = Create(
        AsyncVoidMethodId,
        "Async void method",
        "'{0}' is async void but not an event handler; return Task so callers can await it and see its exceptions",
        "An async void method cannot be awaited, its exceptions crash the process, and nothing can wait for it when a session ends.");

    internal static readonly DiagnosticDescriptor AsyncVoidLambda = Create(
        AsyncVoidLambdaId,
        "Async lambda converted to a void-returning delegate",
        "This async lambda becomes the void-returning delegate '{0}': nothing awaits it and its exceptions crash the process",
        "An async lambda passed where an Action (or another void-returning delegate) is expected is async void: List<T>.ForEach, Parallel.ForEach and timer callbacks start it and never wait for it.");

    internal static readonly DiagnosticDescriptor InvalidOption = Create(
        InvalidOptionId,
        "Invalid SessionGuard option",
        "The .editorconfig option '{0}' has the value '{1}', which is not valid: {2}",
        "An option the analyzers cannot read would otherwise be ignored without a word; the rule names the key and what it accepts.",
        WellKnownDiagnosticTags.CompilationEnd);

    internal static readonly DiagnosticDescriptor PerSessionCollection = Create(
        PerSessionCollectionId,
        "Per-session collection never cleaned",
        "'{0}' is keyed by session ({1}) but '{2}' never removes from it; mark it [SessionScoped] or remove the session's entries when it ends",
        "A dictionary or set keyed by session grows with every session unless its entries are removed when the session ends.");

    internal static readonly DiagnosticDescriptor OwnerNotRegistered = Create(
        OwnerNotRegisteredId,
        "Session-scoped owner never registered",
        "This '{0}' holds per-session state but {1}",
        "An ISessionScoped owner only releases a session's entries when a SessionRegistry knows it.");

    internal static readonly DiagnosticDescriptor SubscriptionAccumulates = Create(
        SubscriptionAccumulatesId,
        "Per-session subscription accumulates",
        "{0} is made for every session but never undone; unsubscribe when the session ends or hand it to session.Own",
        "A subscription on a long-lived object made once per session keeps every session's handler, and everything it captures, alive.");

    /// <summary>Every leak rule is a warning about reliability.</summary>
    private static DiagnosticDescriptor Create(string id, string title, string message, string description, params string[] customTags) =>
        SessionGuard.Diagnostics.DiagnosticRules.Create(id, title, message, ReliabilityCategory, DiagnosticSeverity.Warning, description, customTags);
}
