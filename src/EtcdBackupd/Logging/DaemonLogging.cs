using System.Globalization;
using EtcdBackupd.Journal;
using Serilog;

namespace EtcdBackupd.Logging;

/// <summary>Serilog for the daemon: the journal under systemd, the console elsewhere.</summary>
internal static class DaemonLogging
{
    public const string Identifier = "etcd-backupd";

    public static Serilog.Core.Logger Create(LoggingOptions options)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(options.Level)
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
