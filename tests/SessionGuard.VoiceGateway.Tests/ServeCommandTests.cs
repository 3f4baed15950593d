using System;
using System.IO;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Audio;
using SessionGuard.VoiceGateway.Cli;
using SessionGuard.VoiceGateway.Server;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary><c>--serve</c>: one server, its URL printed, an external ClientWebSocket served until it is stopped.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("guarded")]
    [InlineData("naive")]
    public async Task A_client_connects_to_the_printed_url_and_gets_translations_back(string server)
    {
        GatewayMode mode = Enum.Parse<GatewayMode>(server, ignoreCase: true);
        var output = new LineCapture();
        using var stop = new CancellationTokenSource();
        Task serving = ServeCommand.RunAsync(mode, Options(), output, stop.Token);
        await Wait.UntilAsync(() => output.Text.Contains("listening at", StringComparison.Ordinal) || serving.IsCompleted, "the server prints its URL");
        Match url = Regex.Match(output.Text, @"listening at (ws://127\.0\.0\.1:\d+/voice/)\{client id\}");
        Assert.True(url.Success, output.Text);

        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri(url.Groups[1].Value + "serve-test"), CancellationToken.None);
        byte[] clip = SpeechSynthesizer.Generate(7, TimeSpan.FromSeconds(3));
        for (int offset = 0; offset + PcmFormat.FrameBytes <= clip.Length; offset += PcmFormat.FrameBytes)
        {
            await client.SendAsync(clip.AsMemory(offset, PcmFormat.FrameBytes), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        }

        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        var texts = new StringBuilder();
        byte[] buffer = new byte[4096];
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // guards against a hang only
        while (true)
        {
            ValueWebSocketReceiveResult frame = await client.ReceiveAsync(buffer.AsMemory(), bound.Token);
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            texts.Append(Encoding.UTF8.GetString(buffer, 0, frame.Count)).Append('\n');
        }

        Assert.Equal(WebSocketState.Closed, client.State);
        if (mode == GatewayMode.Guarded)
        {
            // The naive server closes as soon as its handler's loop ends: translations its untracked tasks finish
            // later are lost on the closed socket, so only the guarded one is held to answering.
            Assert.Contains("[fr] ", texts.ToString(), StringComparison.Ordinal);
            Assert.Contains("[de] ", texts.ToString(), StringComparison.Ordinal);
        }

        Assert.False(serving.IsCompleted);
        await stop.CancelAsync();
        await serving.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private GatewayServerOptions Options() => new()
    {
        Pipeline = TestPipelines.Reliable(_temp.Path),
        TempRoot = _temp.Path,
    };

    /// <summary>A writer another thread can read while the server writes to it.</summary>
    private sealed class LineCapture : TextWriter
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }
    }
}
