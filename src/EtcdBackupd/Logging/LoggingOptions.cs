using EtcdBackupd.Configuration;
using EtcdBackupd.Journal;
using Serilog.Events;

namespace EtcdBackupd.Logging;

/// <summary>Where the daemon's log events go.</summary>
internal sealed class LoggingOptions
{
    public const string DefaultTarget = "auto";

    /// <summary><c>Logging.Target</c>: <c>auto</c> (the journal when its socket exists, else the console), <c>journal</c> or <c>console</c>.</summary>
    public string Target { get; init; } = DefaultTarget;

    /// <summary><c>Logging.JournalSocket</c>: journald's native socket.</summary>
    public string JournalSocket { get; init; } = JournaldSink.DefaultSocket;

    public const LogEventLevel DefaultLevel = LogEventLevel.Information;

    /// <summary><c>Logging.Level</c>: debug, information (default), warning or error.</summary>
    public LogEventLevel Level { get; init; } = DefaultLevel;

    public bool UseJournal => Target == "journal" || (Target == "auto" && File.Exists(JournalSocket));

    public static LoggingOptions Read(ConfigReader config)
    {
        var target = config.String("Logging.Target")?.ToLowerInvariant() ?? DefaultTarget;
        if (target is not ("auto" or "journal" or "console"))
        {
            config.Problem("Logging.Target", $"'{target}' must be 'auto', 'journal' or 'console'");
        }

        var levelText = config.String("Logging.Level");
        var level = DefaultLevel;
        if (levelText is not null
            && (!Enum.TryParse(levelText, ignoreCase: true, out level) || level is LogEventLevel.Verbose or LogEventLevel.Fatal))
        {
            config.Problem("Logging.Level", $"'{levelText}' must be debug, information, warning or error");
            level = DefaultLevel;
        }

        return new LoggingOptions
        {
            Target = target,
            JournalSocket = config.String("Logging.JournalSocket") ?? JournaldSink.DefaultSocket,
            Level = level,
        };
    }
}
