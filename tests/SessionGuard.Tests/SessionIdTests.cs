using System;
using System.Collections.Generic;
using System.Linq;
using SessionGuard;

namespace SessionGuard.Tests;

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
