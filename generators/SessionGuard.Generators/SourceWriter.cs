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

    public void Indent() => _indent++;

    public void Unindent() => _indent--;

    public override string ToString() => _builder.ToString();
}
