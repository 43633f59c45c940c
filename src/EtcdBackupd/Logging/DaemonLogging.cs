using System.Globalization;
using EtcdBackupd.Journal;
using Serilog;

namespace EtcdBackupd.Logging;

/// <summary>Serilog for the daemon: the journal under systemd, the console elsewhere.</summary>
internal static class DaemonLogging
{
    public const string Identifier = "etcd-backupd";

    /// <param name="options">The start's logging options.</param>
    /// <param name="level">The minimum level, which a reload may change (Logging.Level); set from <paramref name="options"/>.</param>
    public static Serilog.Core.Logger Create(LoggingOptions options, Serilog.Core.LoggingLevelSwitch level)
    {
        level.MinimumLevel = options.Level;
        var configuration = new LoggerConfiguration()
            .MinimumLevel.ControlledBy(level)
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("System", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Grpc", Serilog.Events.LogEventLevel.Warning);
        return options.UseJournal
            ? configuration.WriteTo.Sink(new JournaldSink(options.JournalSocket, Identifier)).CreateLogger()
            : configuration.WriteTo.Console(
                outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} {Level:u3} {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose,
                formatProvider: CultureInfo.InvariantCulture).CreateLogger();
    }
}
