namespace EtcdBackupd.Reload;

internal static partial class ReloadLog
{
    [LoggerMessage(EventId = 13001, EventName = "ReloadRequested", Level = LogLevel.Information,
        Message = "Reloading the configuration from {ConfigPath}")]
    public static partial void Requested(ILogger logger, string configPath);

    [LoggerMessage(EventId = 13002, EventName = "ReloadRefused", Level = LogLevel.Error,
        Message = "Configuration reload refused, the configuration in force stays: {Problems}")]
    public static partial void Refused(ILogger logger, string problems, Exception? exception);

    [LoggerMessage(EventId = 13003, EventName = "ReloadWaiting", Level = LogLevel.Information,
        Message = "The configuration reload waits for {Activity} to finish")]
    public static partial void Waiting(ILogger logger, string activity);

    [LoggerMessage(EventId = 13004, EventName = "Reloaded", Level = LogLevel.Information,
        Message = "Configuration reloaded from {ConfigPath}; in effect now: {Changes}")]
    public static partial void Reloaded(ILogger logger, string configPath, string changes);

    [LoggerMessage(EventId = 13005, EventName = "ReloadNeedsRestart", Level = LogLevel.Warning,
        Message = "Changed keys that take effect only at a restart keep their values until then (systemctl restart etcd-backupd): {Keys}")]
    public static partial void NeedsRestart(ILogger logger, string keys);
}
