namespace SessionGuard.Analyzers.Tests;

/// <summary>Wraps test snippets in the usings every case needs.</summary>
internal static class Sources
{
    public const string Usings = """
        #nullable enable
        using System;
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.IO;
        using System.Linq;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        using Microsoft.Extensions.Logging;
        using SessionGuard;

        """;

    public static string Wrap(string body) => Usings + body;
}
