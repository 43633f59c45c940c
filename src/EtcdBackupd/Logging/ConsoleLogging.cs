using Serilog;
using Serilog.Extensions.Logging;

namespace EtcdBackupd.Logging;

/// <summary>Logs of the one-shot commands: Serilog to standard error, so standard output stays the result.</summary>
internal static class ConsoleLogging
{
    public static ILoggerFactory Create()
    {
        var serilog = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(
                outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} {Level:u3} {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .CreateLogger();
        return new SerilogLoggerFactory(serilog, dispose: true);
    }
}
