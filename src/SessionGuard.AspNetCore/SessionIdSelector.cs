using System;
using Microsoft.AspNetCore.Http;

namespace SessionGuard.AspNetCore;

/// <summary>
/// Chooses the <see cref="SessionId"/> of a connection. <see cref="NewPerConnection"/> (the default) gives every
/// connection a fresh session; the others read an id the client sends, so that a client can come back to its session
/// (see <see cref="SessionWebSocketOptions.ReconnectGrace"/>).
/// </summary>
public sealed class SessionIdSelector
{
    private readonly Func<HttpContext, string?>? _read;
    private readonly string _source;

    private SessionIdSelector(Func<HttpContext, string?>? read, string source)
    {
        _read = read;
        _source = source;
    }

    /// <summary>A new <see cref="SessionId.New"/> for every connection: nothing can be resumed.</summary>
    public static SessionIdSelector NewPerConnection { get; } = new(null, "a new id per connection");

    /// <summary>True when the id comes from the client, so that a later connection can present it again.</summary>
    public bool IsResumable => _read is not null;

    /// <summary>Reads the id from the query string value <paramref name="name"/>.</summary>
    /// <param name="name">The query key, e.g. <c>session</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space.</exception>
    public static SessionIdSelector FromQuery(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new(c => c.Request.Query.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : null, $"the query value '{name}'");
    }

    /// <summary>Reads the id from the request header <paramref name="name"/>.</summary>
    /// <param name="name">The header name, e.g. <c>X-Session-Id</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space.</exception>
    public static SessionIdSelector FromHeader(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new(c => c.Request.Headers.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : null, $"the header '{name}'");
    }

    /// <summary>Reads the id from the route value <paramref name="name"/> (e.g. <c>/voice/{session}</c>).</summary>
    /// <param name="name">The route parameter's name.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space.</exception>
    public static SessionIdSelector FromRoute(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new(c => c.Request.RouteValues.TryGetValue(name, out var v) ? v as string : null, $"the route value '{name}'");
    }

    /// <summary>Reads the id with <paramref name="read"/> (e.g. from the authenticated user); null means none was sent.</summary>
    /// <param name="read">Returns the id's text, or null.</param>
    /// <param name="description">Names the source in the 400 answer, e.g. "the user's session claim".</param>
    /// <exception cref="ArgumentNullException"><paramref name="read"/> or <paramref name="description"/> is null.</exception>
    public static SessionIdSelector FromRequest(Func<HttpContext, string?> read, string description)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(description);
        return new(read, description);
    }

    /// <summary>Selects the id of the connection <paramref name="context"/>.</summary>
    /// <param name="context">The request.</param>
    /// <param name="id">The id, when this returns true.</param>
    /// <param name="error">Why the request carries no valid id, when this returns false (sent with the 400 answer).</param>
    /// <returns>True when an id was selected.</returns>
    public bool TrySelect(HttpContext context, out SessionId id, out string? error)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_read is null)
        {
            id = SessionId.New();
            error = null;
            return true;
        }

        string? value = _read(context);
        if (value is null)
        {
            id = default;
            error = $"A session id is required in {_source}.";
            return false;
        }

        if (!SessionId.TryParse(value, out id))
        {
            error = $"The session id in {_source} is not valid: 1 to {SessionId.MaxLength} characters, no control characters.";
            return false;
        }

        error = null;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => _source;
}
