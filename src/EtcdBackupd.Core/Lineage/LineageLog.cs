using EtcdBackupd.Protocol.Restore;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Lineage;

internal static partial class LineageLog
{
    [LoggerMessage(EventId = 11001, EventName = "LineageRecorded", Level = LogLevel.Information,
        Message = "Cluster ID {ClusterId} added to this cluster's lineage in {LineagePath}")]
    public static partial void Recorded(ILogger logger, string clusterId, string lineagePath);

    [LoggerMessage(EventId = 11002, EventName = "LineageNotRecorded", Level = LogLevel.Warning,
        Message = "Cluster ID {ClusterId} could not be added to this cluster's lineage in {LineagePath}: {Reason}; a restore of its snapshots may need --other-cluster")]
    public static partial void NotRecorded(ILogger logger, string clusterId, string lineagePath, string reason);

    [LoggerMessage(EventId = 11003, EventName = "LineageUnreadable", Level = LogLevel.Warning,
        Message = "The lineage file {LineagePath} cannot be read ({Reason}); it is kept as {LineageKeptAs} and a new one started")]
    public static partial void Unreadable(ILogger logger, string lineagePath, string reason, string lineageKeptAs);

    [LoggerMessage(EventId = 11004, EventName = "RestoreClusterChecked", Level = LogLevel.Information,
        Message = "Restore of {SnapshotPath}: cluster {RestoreClusterVerdict}: {Reason}")]
    public static partial void Checked(ILogger logger, string snapshotPath, ClusterVerdict restoreClusterVerdict, string reason);
}
