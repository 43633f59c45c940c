namespace EtcdBackupd.Service;

internal static partial class ServiceLog
{
    [LoggerMessage(EventId = 4001, EventName = "SnapshotRequested", Level = LogLevel.Information,
        Message = "Snapshot requested: {Reason}")]
    public static partial void SnapshotRequested(ILogger logger, string reason);

    [LoggerMessage(EventId = 4002, EventName = "SnapshotJoined", Level = LogLevel.Information,
        Message = "A snapshot is already running; this request joins it: {Reason}")]
    public static partial void Joined(ILogger logger, string reason);

    [LoggerMessage(EventId = 4003, EventName = "SnapshotFailed", Level = LogLevel.Error,
        Message = "Snapshot failed ({FailureKind}): {Reason}")]
    public static partial void SnapshotFailed(ILogger logger, string failureKind, string reason, Exception exception);

    [LoggerMessage(EventId = 4004, EventName = "RetentionFailed", Level = LogLevel.Warning,
        Message = "Retention could not run: {Reason}")]
    public static partial void RetentionFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 4005, EventName = "DaemonStarted", Level = LogLevel.Information,
        Message = "etcd-backupd {Version} started: snapshots in {SnapshotDirectory}, schedules {Schedules} ({TimeZone}), taken by {TakenBy}, retention {RetentionDays} days keeping at least {MinimumKept}")]
    public static partial void Started(ILogger logger, string version, string snapshotDirectory, string schedules, string timeZone, string takenBy, int retentionDays, int minimumKept);

    [LoggerMessage(EventId = 4006, EventName = "SnapshotAbortedByStop", Level = LogLevel.Warning,
        Message = "Snapshot aborted: the daemon is stopping after {BytesReceived} of {DbSizeBytes} bytes were received; nothing was saved ({Reason})")]
    public static partial void AbortedByStop(ILogger logger, long bytesReceived, long dbSizeBytes, string reason);
}
