using System;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace SessionGuard;

/// <summary>
/// Identifies one session: a validated, immutable string (non-empty, at most <see cref="MaxLength"/>
/// characters, no control characters), compared ordinally.
/// </summary>
/// <remarks>
/// <c>default(SessionId)</c> holds no value and is rejected by every API that takes an id
/// (see <see cref="IsDefault"/>).
/// </remarks>
public readonly struct SessionId : IEquatable<SessionId>
{
    /// <summary>The longest value a session id may have, in UTF-16 characters.</summary>
    public const int MaxLength = 256;

    private readonly string? _value;

    // The ordinal hash, computed once: ids are dictionary keys on every hot path (registry, owners, pending operations).
    private readonly int _hash;

    /// <summary>Creates an id from <paramref name="value"/> after validating it.</summary>
    /// <param name="value">The id's text.</param>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException">The value is empty, longer than <see cref="MaxLength"/> characters, or holds a control character.</exception>
    public SessionId(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string? error = Validate(value);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(value));
        }

        _value = value;
        _hash = StringComparer.Ordinal.GetHashCode(value);
    }

    /// <summary>The id's text.</summary>
    /// <exception cref="InvalidOperationException">This is <c>default(SessionId)</c>.</exception>
    public string Value => _value ?? throw new InvalidOperationException("default(SessionId) holds no value; create ids with SessionId.New(), Parse or the constructor.");

    /// <summary>True for <c>default(SessionId)</c>, which is not a valid id.</summary>
    public bool IsDefault => _value is null;

    /// <summary>
    /// A new id of 128 random bits from a cryptographic source, encoded as 22 URL-safe base64 characters.
    /// </summary>
    public static SessionId New()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        Span<byte> utf8 = stackalloc byte[24];
        Base64.EncodeToUtf8(bytes, utf8, out _, out int written);
        // 16 bytes -> 22 significant characters + "==" padding. Map to the URL-safe alphabet.
        Span<char> chars = stackalloc char[22];
        for (int i = 0; i < chars.Length; i++)
        {
            byte b = utf8[i];
            chars[i] = b switch
            {
                (byte)'+' => '-',
                (byte)'/' => '_',
                _ => (char)b,
            };
        }

        return new SessionId(new string(chars), trusted: true);
    }

    /// <summary>Parses <paramref name="value"/> into an id.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException">The value breaks one of the rules; the message names it.</exception>
    public static SessionId Parse(string value) => new(value);

    /// <summary>Tries to parse <paramref name="value"/>; returns false (and <c>default</c>) when it breaks a rule.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out SessionId id)
    {
        if (value is null || Validate(value) is not null)
        {
            id = default;
            return false;
        }

        id = new SessionId(value, trusted: true);
        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="id"/> is <c>default(SessionId)</c>.</summary>
    /// <param name="id">The id to check.</param>
    /// <param name="paramName">The parameter name to report.</param>
    public static void ThrowIfDefault(SessionId id, string? paramName = "id")
    {
        if (id._value is null)
        {
            throw new ArgumentException("default(SessionId) is not a valid session id; create ids with SessionId.New(), Parse or the constructor.", paramName);
        }
    }

    /// <inheritdoc/>
    public bool Equals(SessionId other) => _hash == other._hash && string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is SessionId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _hash;

    /// <summary>The id's text, or an empty string for <c>default(SessionId)</c>.</summary>
    public override string ToString() => _value ?? string.Empty;

    /// <summary>Compares two ids ordinally.</summary>
    public static bool operator ==(SessionId left, SessionId right) => left.Equals(right);

    /// <summary>Compares two ids ordinally.</summary>
    public static bool operator !=(SessionId left, SessionId right) => !left.Equals(right);

    private SessionId(string value, bool trusted)
    {
        _ = trusted;
        _value = value;
        _hash = StringComparer.Ordinal.GetHashCode(value);
    }

    private static string? Validate(string value)
    {
        if (value.Length == 0)
        {
            return "A session id must not be empty.";
        }

        if (value.Length > MaxLength)
        {
            return $"A session id must be at most {MaxLength} characters long; this one has {value.Length}.";
        }

        for (int i = 0; i < value.Length; i++)
        {
            if (char.IsControl(value[i]))
            {
                return $"A session id must not contain control characters; found U+{(int)value[i]:X4} at index {i}.";
            }
        }

        return null;
    }
}
