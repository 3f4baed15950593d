using SessionGuard.VoiceGateway.Figures;
using SessionGuard.VoiceGateway.Pipeline;
using SessionGuard.VoiceGateway.Server;

namespace SessionGuard.VoiceGateway.Load;

/// <summary>One server under one load: what the clients saw, what the pipeline did and what the server still held at the end.</summary>
/// <param name="Settled">Whether the server's background work finished (and, guarded, every session ended) within the bound.</param>
/// <param name="OpenSockets">Server-side sockets not closed or aborted.</param>
/// <param name="RunningTasks">Connection handlers still running plus utterances whose translation work has not finished.</param>
/// <param name="HeapBytes">The managed heap after a full collection, with the server still up.</param>
internal sealed record GatewayRunResult(GatewayMode Mode, LoadResult Load, bool Settled, PipelineCounters Counters, GatewayResiduals Residuals, int OpenSockets, long RunningTasks, long HeapBytes)
{
    /// <summary>How the heap, the live entries and the round trips moved over the run.</summary>
    public RunFigures Figures { get; init; } = RunFigures.Empty;

    /// <summary>The guarded server's teardowns (null for the naive server, which has none).</summary>
    public TeardownSummary? Teardown { get; init; }

    /// <summary>
    /// The process the server and its clients ran in. The heap and the buffer pools are the process's: in the
    /// comparison each server runs in a process of its own, so that its figures are its own.
    /// </summary>
    public int ProcessId { get; init; }

    public override string ToString() =>
        $"{Mode}: {Load}; settled={Settled}; {Counters}; left behind: {Residuals}, open sockets {OpenSockets}, tasks {RunningTasks}, heap {HeapBytes} B";
}
