using System.Globalization;
using System.Text;

namespace SessionGuard;

/// <summary>Puts user input into an exception message safely: quoted, escaped and cut.</summary>
internal static class DisplayText
{
    /// <summary>The most characters of the input a message shows.</summary>
    public const int MaxShown = 40;

    /// <summary>
    /// <paramref name="value"/> in single quotes, control, format, separator and surrogate characters (and the quote and
    /// backslash) escaped as <c>\uXXXX</c>, cut after <see cref="MaxShown"/> characters with the full length named.
    /// </summary>
    public static string Quote(string? value)
    {
        if (value is null)
        {
            return "null";
        }

        int shown = value.Length <= MaxShown ? value.Length : MaxShown;
        var sb = new StringBuilder(shown + 16);
        sb.Append('\'');
        for (int i = 0; i < shown; i++)
        {
            char c = value[i];
            if (NeedsEscape(c))
            {
                sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        sb.Append('\'');
        if (shown < value.Length)
        {
            sb.Append("… (").Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(" characters)");
        }

        return sb.ToString();
    }

    private static bool NeedsEscape(char c)
    {
        if (c is '\'' or '\\')
        {
            return true;
        }

        if (char.IsAscii(c))
        {
            return char.IsControl(c);
        }

        return char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
    }
}
