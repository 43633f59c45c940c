using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Snapshots;

internal static partial class SnapshotLog
{
    [LoggerMessage(EventId = 2001, EventName = "SnapshotStarted", Level = LogLevel.Information,
        Message = "Snapshot {SnapshotPath} started from {EtcdEndpoint} (member {EtcdMember}, revision {SnapshotRevision}, database {DbSizeBytes} bytes)")]
    public static partial void Started(ILogger logger, string snapshotPath, Uri etcdEndpoint, string etcdMember, long snapshotRevision, long dbSizeBytes);

    [LoggerMessage(EventId = 2003, EventName = "SnapshotNotCaughtUp", Level = LogLevel.Warning,
        Message = "Member {EtcdEndpoint} could not confirm it holds every acknowledged write ({Reason}): no quorum? The snapshot holds what this member has applied, and may miss the cluster's latest writes")]
    public static partial void NotCaughtUp(ILogger logger, Uri etcdEndpoint, string reason);

    [LoggerMessage(EventId = 2002, EventName = "SnapshotCompleted", Level = LogLevel.Information,
        Message = "Snapshot {SnapshotPath} saved and verified: sha256 {SnapshotSha256}, revision {SnapshotRevision}, {SnapshotSizeBytes} bytes in {DurationSeconds:F1} s")]
    public static partial void Completed(ILogger logger, string snapshotPath, string snapshotSha256, long snapshotRevision, long snapshotSizeBytes, double durationSeconds);

    [LoggerMessage(EventId = 2004, EventName = "SnapshotLeftoverNotRemoved", Level = LogLevel.Warning,
        Message = "Could not remove {SnapshotPath} after the snapshot failed: {Reason}; it is not a good snapshot, remove it by hand")]
    public static partial void LeftoverNotRemoved(ILogger logger, string snapshotPath, string reason);
}
