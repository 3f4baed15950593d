using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace SessionGuard.AspNetCore.Tests.Docs;

public class DocsTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Framework.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Framework.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Lines without their common indentation, trailing spaces trimmed.</summary>
    private static string Normalize(IEnumerable<string> lines)
    {
        var list = lines.Select(l => l.TrimEnd()).ToList();
        int indent = list.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join("\n", list.Select(l => l.Length >= indent ? l[indent..] : l)).Trim('\n');
    }

    [Fact]
    public void Every_csharp_block_of_the_aspnetcore_page_is_a_snippet_of_code_that_compiles()
    {
        string root = RepoRoot();
        string page = File.ReadAllText(Path.Combine(root, "docs", "aspnetcore.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        string[] source = File.ReadAllText(Path.Combine(root, "tests", "SessionGuard.AspNetCore.Tests", "Docs", "AspNetCoreSnippets.cs")).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

        var snippets = new Dictionary<string, string>();
        for (int i = 0; i < source.Length; i++)
        {
            var start = Regex.Match(source[i], @"^\s*// snippet: (\S+)\s*$");
            if (!start.Success)
            {
                continue;
            }

            int end = Array.FindIndex(source, i + 1, l => l.Trim() == "// end snippet");
            Assert.True(end > i, "unterminated snippet " + start.Groups[1].Value);
            snippets[start.Groups[1].Value] = Normalize(source[(i + 1)..end]);
        }

        var blocks = Regex.Matches(page, "```csharp\n(.*?)```", RegexOptions.Singleline).Select(m => Normalize(m.Groups[1].Value.Split('\n'))).ToList();
        Assert.NotEmpty(blocks);
        foreach (string block in blocks)
        {
            Assert.True(snippets.Values.Contains(block), "docs/aspnetcore.md has a C# block that is not a snippet of Docs/AspNetCoreSnippets.cs:\n" + block);
        }

        Assert.All(snippets.Keys, name => Assert.Contains(snippets[name], blocks));
    }

    [Fact]
    public async Task The_documented_app_serves_a_voice_session_and_reports_health()
    {
        var app = AspNetCoreSnippets.BuildApp(new[] { "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning" });
        await app.StartAsync();
        try
        {
            var registry = app.Services.GetRequiredService<SessionRegistry>();
            var ended = new TaskCompletionSource<SessionTeardownReport>(TaskCreationOptions.RunContinuationsAsynchronously);
            registry.SessionEnded += (_, r) => ended.TrySetResult(r);
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

            using var client = new ClientWebSocket();
            await client.ConnectAsync(new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/voice"), CancellationToken.None).WaitAsync(TestHost.Bound);
            await client.SendAsync(new byte[640], WebSocketMessageType.Binary, true, CancellationToken.None).WaitAsync(TestHost.Bound);
            Assert.Equal("640", await client.ReceiveTextAsync());

            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TestHost.Bound };
            Assert.Equal("Healthy", await http.GetStringAsync("/health"));

            await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TestHost.Bound);
            var report = await ended.Task.WaitAsync(TestHost.Bound);
            Assert.Equal(SessionEndReason.Closed, report.Reason);
            Assert.Equal(2, report.ResourcesDisposed);
        }
        finally
        {
            await app.StopAsync().WaitAsync(TestHost.Bound);
            await app.DisposeAsync();
        }
    }
}
