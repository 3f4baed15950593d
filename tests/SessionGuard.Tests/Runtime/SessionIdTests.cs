using System;
using System.Collections.Generic;
using System.Linq;
using SessionGuard;

namespace SessionGuard.Tests.Runtime;

public class SessionIdTests
{
    [Fact]
    public void New_is_22_url_safe_characters_and_unique()
    {
        var seen = new HashSet<SessionId>();
        for (int i = 0; i < 10_000; i++)
        {
            var id = SessionId.New();
            Assert.Equal(22, id.Value.Length);
            Assert.All(id.Value, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_', $"'{c}' is not URL-safe"));
            Assert.True(seen.Add(id));
        }
    }

    [Fact]
    public void New_carries_128_bits_of_randomness()
    {
        // Every one of the 22 positions must vary; the last one carries 2 bits (4 possible characters).
        var ids = Enumerable.Range(0, 2000).Select(_ => SessionId.New().Value).ToArray();
        for (int pos = 0; pos < 21; pos++)
        {
            Assert.True(ids.Select(s => s[pos]).Distinct().Count() > 40, $"position {pos} looks constant");
        }

        Assert.Equal(4, ids.Select(s => s[21]).Distinct().Count());
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("a\nb", "control characters")]
    [InlineData("\u0000", "control characters")]
    [InlineData("tab\there", "control characters")]
    [InlineData("\u0085", "control characters; found U+0085 at index 0")]
    [InlineData(" ", "only white space")]
    [InlineData("   ", "only white space")]
    [InlineData("\u00A0\u3000 ", "only white space")]
    [InlineData("ab\u200Bc", "format characters (Unicode category Cf); found U+200B at index 2")]
    [InlineData("user\u202Etxt.exe", "format characters (Unicode category Cf); found U+202E at index 4")]
    [InlineData("\uFEFFid", "format characters (Unicode category Cf); found U+FEFF at index 0")]
    [InlineData("a\u2028b", "line or paragraph separators (Unicode categories Zl, Zp); found U+2028 at index 1")]
    [InlineData("a\u2029b", "line or paragraph separators (Unicode categories Zl, Zp); found U+2029 at index 1")]
    [InlineData("x\U000E0001", "format characters (Unicode category Cf); found U+E0001 at index 1")]
    public void Bad_values_throw_naming_the_rule(string value, string rule)
    {
        var ex = Assert.Throws<ArgumentException>(() => new SessionId(value));
        Assert.Contains(rule, ex.Message);
        ex = Assert.Throws<ArgumentException>(() => SessionId.Parse(value));
        Assert.Contains(rule, ex.Message);
        Assert.False(SessionId.TryParse(value, out var parsed));
        Assert.True(parsed.IsDefault);
    }

    [Fact]
    public void Unpaired_surrogates_throw_naming_the_rule_and_the_index()
    {
        // Built here: xunit's theory data would replace a lone surrogate with U+FFFD.
        var cases = new (string Value, string Rule)[]
        {
            ("ab" + (char)0xD800, "unpaired surrogates; found U+D800 at index 2"),
            ((char)0xDC00 + "ab", "unpaired surrogates; found U+DC00 at index 0"),
            ("a" + (char)0xDC00 + (char)0xD800 + "b", "unpaired surrogates; found U+DC00 at index 1"),
            ("a" + (char)0xD800 + "b", "unpaired surrogates; found U+D800 at index 1"),
        };
        foreach (var (value, rule) in cases)
        {
            var ex = Assert.Throws<ArgumentException>(() => new SessionId(value));
            Assert.Contains(rule, ex.Message);
            Assert.False(SessionId.TryParse(value, out _));
        }
    }

    [Theory]
    [InlineData("a b")]
    [InlineData(" padded ")]
    [InlineData("caf\u00E9")]
    [InlineData("\u4F1A\u8BDD-7")]
    [InlineData("call-\U0001F600")]
    [InlineData("a\u00A0b")]
    public void Printable_values_with_spaces_accents_and_supplementary_characters_are_accepted(string value)
    {
        Assert.Equal(value, new SessionId(value).Value);
        Assert.True(SessionId.TryParse(value, out var parsed));
        Assert.Equal(value, parsed.Value);
    }

    [Fact]
    public void Too_long_throws_naming_the_limit()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SessionId(new string('x', 257)));
        Assert.Contains("at most 256", ex.Message);
        Assert.Equal(256, new SessionId(new string('x', 256)).Value.Length);
    }

    [Fact]
    public void Null_throws_ArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => new SessionId(null!));
        Assert.Throws<ArgumentNullException>(() => SessionId.Parse(null!));
        Assert.False(SessionId.TryParse(null, out _));
    }

    [Fact]
    public void Equality_and_hashing_are_ordinal()
    {
        var a = SessionId.Parse("abc");
        var b = new SessionId("ab" + "c");
        var c = SessionId.Parse("ABC");
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.True(a.Equals((object)b));
        Assert.False(a.Equals("abc"));
        Assert.Equal("abc", a.ToString());
    }

    [Fact]
    public void Default_is_invalid()
    {
        SessionId d = default;
        Assert.True(d.IsDefault);
        Assert.Equal(string.Empty, d.ToString());
        Assert.Throws<InvalidOperationException>(() => d.Value);
        var ex = Assert.Throws<ArgumentException>(() => SessionId.ThrowIfDefault(d, "session"));
        Assert.Equal("session", ex.ParamName);
        Assert.NotEqual(d, SessionId.New());
        Assert.Equal(default(SessionId), d);
    }
}
