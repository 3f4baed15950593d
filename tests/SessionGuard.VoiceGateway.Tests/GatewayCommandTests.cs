using System;
using SessionGuard.VoiceGateway.Cli;

namespace SessionGuard.VoiceGateway.Tests;

/// <summary>The gateway's command line: defaults, every option, and a clear message naming the option for bad input.</summary>
public class GatewayCommandTests
{
    [Fact]
    public void No_arguments_compare_both_servers_under_the_default_load()
    {
        var command = GatewayCommand.Parse(Array.Empty<string>());
        Assert.Equal(new GatewayCommand(RunMode.Compare, 300, 16, 100, 6, Help: false), command);
    }

    [Fact]
    public void Every_option_is_read()
    {
        var command = GatewayCommand.Parse(new[] { "--mode", "guarded", "--sessions", "40", "--concurrency", "4", "--storm", "0", "--seconds", "2.5" });
        Assert.Equal(new GatewayCommand(RunMode.Guarded, 40, 4, 0, 2.5, Help: false), command);
        Assert.True(GatewayCommand.Parse(new[] { "--help" }).Help);
        Assert.Equal(RunMode.Naive, GatewayCommand.Parse(new[] { "--mode", "naive" }).Mode);
        Assert.Equal("out/run1", GatewayCommand.Parse(new[] { "--report", "out/run1" }).Report);
        Assert.Equal(new GatewayCommand(RunMode.Naive, 300, 16, 100, 6, Help: false, Serve: true), GatewayCommand.Parse(new[] { "--serve", "--mode", "naive" }));
        Assert.Equal(new GatewayCommand(RunMode.Guarded, 300, 16, 100, 6, Help: false, Result: "r.json"), GatewayCommand.Parse(new[] { "--mode", "guarded", "--result", "r.json" }));
    }

    [Theory]
    [InlineData("--mode fast", "--mode must be compare, guarded or naive, not 'fast'.")]
    [InlineData("--sessions 0", "--sessions must be a whole number from 1 to 1000000, not '0'.")]
    [InlineData("--concurrency -3", "--concurrency must be a whole number from 1 to 1000000, not '-3'.")]
    [InlineData("--storm lots", "--storm must be a whole number from 0 to 1000000, not 'lots'.")]
    [InlineData("--seconds 0", "--seconds must be a number of seconds from 0.04 to 600, not '0'.")]
    [InlineData("--sessions", "--sessions needs a value.")]
    [InlineData("--sessions --storm 3", "--sessions needs a value.")]
    [InlineData("--serve", "--serve runs one server: add --mode guarded or --mode naive.")]
    [InlineData("--report", "--report needs a value.")]
    [InlineData("--result", "--result needs a value.")]
    [InlineData("--result r.json", "--result runs one server under the load: add --mode guarded or --mode naive, without --serve or --report.")]
    [InlineData("--mode naive --serve --result r.json", "--result runs one server under the load: add --mode guarded or --mode naive, without --serve or --report.")]
    [InlineData("--mode guarded --report out --result r.json", "--result runs one server under the load: add --mode guarded or --mode naive, without --serve or --report.")]
    [InlineData("--fast", "Unknown option '--fast'. Run with --help for the options.")]
    public void A_bad_option_is_named_in_the_message(string args, string message)
    {
        var ex = Assert.Throws<FormatException>(() => GatewayCommand.Parse(args.Split(' ')));
        Assert.Equal(message, ex.Message);
    }
}
