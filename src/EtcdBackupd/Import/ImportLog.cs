namespace EtcdBackupd.Import;

internal static partial class ImportLog
{
    [LoggerMessage(EventId = 15001, EventName = "SnapshotImported", Level = LogLevel.Information,
        Message = "imported {Origin} as {Path} ({SizeBytes} bytes; identical file already there: {AlreadyHere})")]
    public static partial void Imported(ILogger logger, string origin, string path, long sizeBytes, bool alreadyHere);
}
