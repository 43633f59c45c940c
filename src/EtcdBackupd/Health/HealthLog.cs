namespace EtcdBackupd.Health;

internal static partial class HealthLog
{
    [LoggerMessage(EventId = 12011, EventName = "HealthChanged", Level = LogLevel.Warning,
        Message = "This master is now unprotected: {Reasons}")]
    public static partial void Unhealthy(ILogger logger, string reasons);

    [LoggerMessage(EventId = 12012, EventName = "HealthRestored", Level = LogLevel.Information,
        Message = "This master is protected again: etcd answers, a recent verified snapshot is held, every copy and the certificate are fine")]
    public static partial void Healthy(ILogger logger);

    [LoggerMessage(EventId = 12013, EventName = "HealthDirectoryUnreadable", Level = LogLevel.Warning,
        Message = "Cannot read the snapshot directory {SnapshotDirectory} for the health check: {Reason}")]
    public static partial void DirectoryUnreadable(ILogger logger, string snapshotDirectory, string reason);

    [LoggerMessage(EventId = 12014, EventName = "CertificateUnreadable", Level = LogLevel.Warning,
        Message = "Cannot read the expiry of etcd's client certificate {CertFile} (Etcd.CertFile): {Reason}")]
    public static partial void CertificateUnreadable(ILogger logger, string certFile, string reason);

    [LoggerMessage(EventId = 12015, EventName = "HeldSnapshotsRead", Level = LogLevel.Information,
        Message = "Read from disk at start: newest verified snapshot held {NewestSnapshot}, this member's newest {NewestOwnSnapshot}")]
    public static partial void ReadAtStart(ILogger logger, string newestSnapshot, string newestOwnSnapshot);

    [LoggerMessage(EventId = 12016, EventName = "HealthCheckFailed", Level = LogLevel.Error,
        Message = "The health check failed and is tried again in a minute: {Reason}")]
    public static partial void CheckFailed(ILogger logger, string reason, Exception exception);
}
