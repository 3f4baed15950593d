using System;
using SessionGuard.Demo;

// A miniature voice-translation server, run on a fake clock so that every run prints the same story: see DemoRun.
return await DemoRun.RunAsync(Console.Out);
