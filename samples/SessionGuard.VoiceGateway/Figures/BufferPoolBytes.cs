namespace SessionGuard.VoiceGateway.Figures;

/// <summary>What the process's buffer pools held at one point.</summary>
/// <param name="ArrayPool">Arrays <c>ArrayPool&lt;byte&gt;.Shared</c> allocated and still owns, rented or idle (<see cref="SharedArrayPoolMeter"/>).</param>
/// <param name="Kestrel">Blocks idle in the server's Kestrel pool (<see cref="KestrelPoolMeter"/>).</param>
internal readonly record struct BufferPoolBytes(long ArrayPool, long Kestrel)
{
    public long Total => ArrayPool + Kestrel;
}
