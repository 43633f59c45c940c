namespace EtcdBackupd.Import;

internal static partial class ImportLog
{
    [LoggerMessage(EventId = 15001, EventName = "SnapshotImported", Level = LogLevel.Information,
        Message = "imported {Origin} as {Path} ({SizeBytes} bytes; identical file already there: {AlreadyHere})")]
    public static partial void Imported(ILogger logger, string origin, string path, long sizeBytes, bool alreadyHere);

    [LoggerMessage(EventId = 15002, EventName = "ImportPastRetention", Level = LogLevel.Warning,
        Message = "imported {Path} is older than Snapshots.RetentionDays and not pinned: retention removes it at its next run, here and on the peers; pin it (etcd-backupctl pin FILE LABEL) to keep it")]
    public static partial void PastRetention(ILogger logger, string path);
}
