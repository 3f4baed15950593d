using System;
using System.IO;
using System.Threading.Tasks;

namespace SessionGuard.Demo;

/// <summary>A connection's socket: owned by its session, closed at teardown.</summary>
internal sealed class FakeSocket : IAsyncDisposable
{
    private readonly string _name;
    private readonly TextWriter _output;

    public FakeSocket(string name, TextWriter output)
    {
        _name = name;
        _output = output;
    }

    public ValueTask DisposeAsync()
    {
        _output.WriteLine($"  socket of {_name} closed");
        return default;
    }
}
