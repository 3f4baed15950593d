using System.Text;

namespace SessionGuard.Generators;

/// <summary>A small indented text writer with <c>\n</c> line ends, so that emitted files are identical on every OS.</summary>
internal sealed class SourceWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _builder = new();
    private int _indent;

    public void WriteLine(string line)
    {
        if (line.Length > 0)
        {
            for (int i = 0; i < _indent; i++)
            {
                _builder.Append(IndentUnit);
            }

            _builder.Append(line);
        }

        _builder.Append('\n');
    }

    public void WriteLine() => _builder.Append('\n');

    /// <summary>
    /// Writes each line of <paramref name="text"/> (a raw string literal: its line ends may be <c>\r\n</c> where the
    /// generator's source was checked out so) at the current indentation; a final empty line writes an empty line.
    /// </summary>
    public void WriteLines(string text)
    {
        int start = 0;
        while (true)
        {
            int end = text.IndexOf('\n', start);
            string line = end < 0 ? text.Substring(start) : text.Substring(start, end - start);
            WriteLine(line.Length > 0 && line[line.Length - 1] == '\r' ? line.Substring(0, line.Length - 1) : line);
            if (end < 0)
            {
                return;
            }

            start = end + 1;
        }
    }

    /// <summary>Writes <c>{</c> and indents.</summary>
    public void OpenBlock(string? header = null)
    {
        if (header is not null)
        {
            WriteLine(header);
        }

        WriteLine("{");
        _indent++;
    }

    /// <summary>Unindents and writes <c>}</c> (with <paramref name="suffix"/>, e.g. <c>;</c>).</summary>
    public void CloseBlock(string suffix = "")
    {
        _indent--;
        WriteLine("}" + suffix);
    }

    public void Indent(int levels = 1) => _indent += levels;

    public void Unindent(int levels = 1) => _indent -= levels;

    public override string ToString() => _builder.ToString();
}
