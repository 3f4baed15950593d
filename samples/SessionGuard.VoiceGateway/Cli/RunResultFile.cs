using System;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using SessionGuard.VoiceGateway.Load;

namespace SessionGuard.VoiceGateway.Cli;

/// <summary>
/// One run's <see cref="GatewayRunResult"/> as a JSON file: what a server's own process (<c>--result FILE</c>) hands
/// back to the comparison, read back whole (every figure, sample and count).
/// </summary>
internal static class RunResultFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        // A ratio with nothing to divide by is NaN; the file keeps it as "NaN".
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static async Task WriteAsync(string path, GatewayRunResult result, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(result);
        await using FileStream stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, result, Json, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a result written by <see cref="WriteAsync"/>; throws <see cref="InvalidDataException"/> naming the file when it holds none.</summary>
    public static async Task<GatewayRunResult> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        await using FileStream stream = File.OpenRead(path);
        try
        {
            return await JsonSerializer.DeserializeAsync<GatewayRunResult>(stream, Json, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException($"'{path}' holds no run result.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' holds no run result: {ex.Message}", ex);
        }
    }
}
