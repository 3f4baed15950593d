using System;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;

namespace SessionGuard;

/// <summary>
/// Identifies one session: a validated, immutable string, compared ordinally.
/// </summary>
/// <remarks>
/// <para>
/// Ids go into logs and metric tags, so an id must be printable as it is: it is non-empty, at most
/// <see cref="MaxLength"/> UTF-16 characters, not only white space, and holds no control character (Unicode category
/// Cc), no format character (Cf: zero-width spaces and joiners, bidirectional overrides such as U+202E, the byte order
/// mark), no line or paragraph separator (Zl, Zp: U+2028, U+2029) and no unpaired surrogate. Spaces inside an id are
/// allowed. Breaking a rule throws <see cref="ArgumentException"/> naming the rule, the character (as U+XXXX) and its
/// index; the id itself is never echoed.
/// </para>
/// <para>
/// <c>default(SessionId)</c> holds no value and is rejected by every API that takes an id
/// (see <see cref="IsDefault"/>).
/// </para>
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
    /// <exception cref="ArgumentException">
    /// The value is empty, longer than <see cref="MaxLength"/> characters, only white space, or holds a control,
    /// format or line/paragraph separator character or an unpaired surrogate (see the remarks on <see cref="SessionId"/>).
    /// </exception>
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

        bool allWhiteSpace = true;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsAscii(c))
            {
                if (char.IsControl(c))
                {
                    return Rejected("control characters", c, i);
                }

                allWhiteSpace &= c == ' ';
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                // A pair: one supplementary character (emoji, CJK extension...). Check its category as a whole.
                var category = CharUnicodeInfo.GetUnicodeCategory(value, i);
                if (category == UnicodeCategory.Format)
                {
                    return $"A session id must not contain format characters (Unicode category Cf); found U+{char.ConvertToUtf32(c, value[i + 1]):X4} at index {i}.";
                }

                allWhiteSpace = false;
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return Rejected("unpaired surrogates", c, i);
            }

            switch (CharUnicodeInfo.GetUnicodeCategory(c))
            {
                case UnicodeCategory.Control:
                    return Rejected("control characters", c, i);
                case UnicodeCategory.Format:
                    return Rejected("format characters (Unicode category Cf)", c, i);
                case UnicodeCategory.LineSeparator:
                case UnicodeCategory.ParagraphSeparator:
                    return Rejected("line or paragraph separators (Unicode categories Zl, Zp)", c, i);
            }

            allWhiteSpace &= char.IsWhiteSpace(c);
        }

        if (allWhiteSpace)
        {
            return "A session id must not be only white space.";
        }

        return null;
    }

    private static string Rejected(string what, char c, int index) =>
        $"A session id must not contain {what}; found U+{(int)c:X4} at index {index}.";
}
