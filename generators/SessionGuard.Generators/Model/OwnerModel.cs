namespace SessionGuard.Generators.Model;

/// <summary>One type declaration in the chain that leads to an owner: its keyword and its name with type parameters.</summary>
internal sealed record TypeDeclarationModel(string Keyword, string NameWithTypeParameters);

/// <summary>Everything the emitter needs to write one owner's <c>ISessionScoped</c> implementation.</summary>
/// <param name="Namespace">The namespace, empty for the global namespace.</param>
/// <param name="ContainingTypes">The enclosing types, outermost first.</param>
/// <param name="Type">The owner's own declaration.</param>
/// <param name="FullyQualifiedName">The <c>global::</c>-qualified name (used by the registration).</param>
/// <param name="IsRegistrable">A non-generic, non-abstract class reachable from the assembly: the registration can name it.</param>
/// <param name="HintName">The unique file name of the generated source.</param>
/// <param name="Members">The <c>[SessionScoped]</c> members, in declaration order.</param>
internal sealed record OwnerModel(
    string Namespace,
    EquatableArray<TypeDeclarationModel> ContainingTypes,
    TypeDeclarationModel Type,
    string FullyQualifiedName,
    bool IsRegistrable,
    string HintName,
    EquatableArray<MemberModel> Members);

/// <summary>The assembly the registration is emitted for, and whether it can be emitted at all.</summary>
internal sealed record RegistrationTarget(bool ReferencesDependencyInjection, string AssemblyIdentifier);

/// <summary>The owners one registration method registers.</summary>
internal sealed record RegistrationModel(string AssemblyIdentifier, EquatableArray<string> OwnerTypeNames);

/// <summary>
/// What every member of one owner shares: where and how the owner is declared. Also the owner's identity when the
/// members are grouped (the names derived from it are built then, once per owner).
/// </summary>
internal sealed record OwnerHeader(
    string Namespace,
    EquatableArray<TypeDeclarationModel> ContainingTypes,
    TypeDeclarationModel Type,
    bool IsRegistrable);

/// <summary>The transform's output for one member: its owner, its position among the owner's members, its model (null when invalid).</summary>
internal sealed record MemberResult(OwnerHeader Owner, int Order, MemberModel? Member);
