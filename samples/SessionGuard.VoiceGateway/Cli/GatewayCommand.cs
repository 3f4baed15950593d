using System;
using System.Collections.Generic;
using System.Globalization;

namespace SessionGuard.VoiceGateway.Cli;

/// <summary>Which servers a run puts under load.</summary>
internal enum RunMode
{
    /// <summary>The naive server, then the guarded one, each in a process of its own, the same load; a table side by side.</summary>
    Compare,
    Guarded,
    Naive,
}

/// <summary>The gateway's command line: <c>--mode</c>, <c>--sessions</c>, <c>--concurrency</c>, <c>--storm</c>,
/// <c>--seconds</c>, <c>--report</c>, <c>--serve</c>, <c>--result</c>, <c>--help</c>.</summary>
/// <param name="Report">Where <c>--report</c> writes the JSON and the chart; null for no report.</param>
/// <param name="Serve">Run only the server of <see cref="Mode"/> until Ctrl+C, for an external client.</param>
/// <param name="Result">
/// Where <c>--result</c> writes the one server's result as JSON, with a progress line per change instead of a
/// progress bar and no table: how the comparison runs each server in a process of its own (<see cref="ServerProcess"/>).
/// </param>
internal sealed record GatewayCommand(RunMode Mode, int Sessions, int Concurrency, int Storm, double Seconds, bool Help, string? Report = null, bool Serve = false, string? Result = null)
{
    public const string Usage = """
        Runs the voice gateway on Kestrel over loopback and puts ClientWebSocket clients on it that stream synthesized
        speech and leave in every way a network allows, then shows what each server left behind.

        Usage: dotnet run -c Release --project samples/SessionGuard.VoiceGateway -- [options]

          --mode compare|guarded|naive   which servers to run (default compare: naive, then guarded, the same load,
                                         each in a process of its own)
          --sessions N                   clients, one after another as slots free up (default 300)
          --concurrency N                clients streaming at once (default 16)
          --storm N                      clients of the reconnect storm at the end, all at once (default 100; 0 for none)
          --seconds S                    speech each client streams, faster than real time (default 6)
          --report DIR                   also write the figures as JSON and a chart as PNG into DIR
          --serve                        run only the server of --mode (guarded or naive), print its URL, stop on Ctrl+C
          --result FILE                  run only the server of --mode (guarded or naive) under the load, print
                                         'progress N of T' lines and write its result as JSON into FILE (what
                                         compare runs in each server's process)
          --help                         this text

        Exit code: 0 when the guarded server left nothing behind, 1 when it did, 2 for a bad option.
        """;

    public static GatewayCommand Default { get; } = new(RunMode.Compare, 300, 16, 100, 6, Help: false);

    /// <summary>Parses the arguments; throws <see cref="FormatException"/> naming the option for anything it cannot use.</summary>
    public static GatewayCommand Parse(IReadOnlyList<string> args)
    {
        var command = Default;
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            switch (option)
            {
                case "--help":
                case "-h":
                case "-?":
                    command = command with { Help = true };
                    break;
                case "--mode":
                    string mode = Value(args, ref i, option);
                    command = command with
                    {
                        Mode = mode switch
                        {
                            "compare" => RunMode.Compare,
                            "guarded" => RunMode.Guarded,
                            "naive" => RunMode.Naive,
                            _ => throw new FormatException($"--mode must be compare, guarded or naive, not '{mode}'."),
                        },
                    };
                    break;
                case "--sessions":
                    command = command with { Sessions = Count(args, ref i, option, min: 1) };
                    break;
                case "--concurrency":
                    command = command with { Concurrency = Count(args, ref i, option, min: 1) };
                    break;
                case "--storm":
                    command = command with { Storm = Count(args, ref i, option, min: 0) };
                    break;
                case "--seconds":
                    string text = Value(args, ref i, option);
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds >= 0.04 && seconds <= 600))
                    {
                        throw new FormatException($"--seconds must be a number of seconds from 0.04 to 600, not '{text}'.");
                    }

                    command = command with { Seconds = seconds };
                    break;
                case "--report":
                    command = command with { Report = Value(args, ref i, option) };
                    break;
                case "--serve":
                    command = command with { Serve = true };
                    break;
                case "--result":
                    command = command with { Result = Value(args, ref i, option) };
                    break;
                default:
                    throw new FormatException($"Unknown option '{option}'. Run with --help for the options.");
            }
        }

        if (command.Serve && command.Mode == RunMode.Compare && !command.Help)
        {
            throw new FormatException("--serve runs one server: add --mode guarded or --mode naive.");
        }

        if (command.Result is not null && !command.Help && (command.Mode == RunMode.Compare || command.Serve || command.Report is not null))
        {
            throw new FormatException("--result runs one server under the load: add --mode guarded or --mode naive, without --serve or --report.");
        }

        return command;
    }

    private static string Value(IReadOnlyList<string> args, ref int i, string option)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new FormatException($"{option} needs a value.");
        }

        return args[++i];
    }

    private static int Count(IReadOnlyList<string> args, ref int i, string option, int min)
    {
        string text = Value(args, ref i, option);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > 1_000_000)
        {
            throw new FormatException($"{option} must be a whole number from {min} to 1000000, not '{text}'.");
        }

        return value;
    }
}
