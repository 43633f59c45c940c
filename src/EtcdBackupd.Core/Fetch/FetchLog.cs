using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Fetch;

internal static partial class FetchLog
{
    [LoggerMessage(EventId = 14001, EventName = "SnapshotFetched", Level = LogLevel.Information,
        Message = "Fetched {SnapshotPath} from {PeerHost}:{PeerPort} in {PeerDirectory} ({SnapshotSizeBytes} bytes in {DurationSeconds:F1} s), verified against etcd's trailer and its manifest")]
    public static partial void Fetched(ILogger logger, string snapshotPath, string peerHost, int peerPort, string peerDirectory, long snapshotSizeBytes, double durationSeconds);

    [LoggerMessage(EventId = 14002, EventName = "SnapshotFetchAlreadyHere", Level = LogLevel.Information,
        Message = "{SnapshotPath} is here already, identical to the copy on {PeerHost}:{PeerPort}; not downloaded")]
    public static partial void AlreadyHere(ILogger logger, string snapshotPath, string peerHost, int peerPort);

    [LoggerMessage(EventId = 14003, EventName = "SnapshotFetchRefused", Level = LogLevel.Warning,
        Message = "Did not take {SnapshotName} from {PeerHost}:{PeerPort}: {Reason}")]
    public static partial void Refused(ILogger logger, string snapshotName, string peerHost, int peerPort, string reason);

    [LoggerMessage(EventId = 14004, EventName = "SnapshotFetchedFromOffsite", Level = LogLevel.Information,
        Message = "Fetched {SnapshotPath} from off-site target {OffsiteTarget} (bucket {OffsiteBucket}, object {OffsiteKey}; {SnapshotSizeBytes} bytes in {DurationSeconds:F1} s), verified against etcd's trailer and its manifest")]
    public static partial void FetchedFromOffsite(ILogger logger, string snapshotPath, string offsiteTarget, string offsiteBucket, string offsiteKey, long snapshotSizeBytes, double durationSeconds);

    [LoggerMessage(EventId = 14005, EventName = "SnapshotFetchFromOffsiteAlreadyHere", Level = LogLevel.Information,
        Message = "{SnapshotPath} is here already, identical to the copy in off-site target {OffsiteTarget}; not downloaded")]
    public static partial void AlreadyHereFromOffsite(ILogger logger, string snapshotPath, string offsiteTarget);

    [LoggerMessage(EventId = 14006, EventName = "SnapshotFetchFromOffsiteRefused", Level = LogLevel.Warning,
        Message = "Did not take {SnapshotName} from off-site target {OffsiteTarget}: {Reason}")]
    public static partial void RefusedFromOffsite(ILogger logger, string snapshotName, string offsiteTarget, string reason);

    [LoggerMessage(EventId = 14007, EventName = "SnapshotFetchClusterUnknown", Level = LogLevel.Warning,
        Message = "No cluster ID is recorded in {LineagePath}: off-site objects are told apart by their target's prefix alone")]
    public static partial void ClusterUnknown(ILogger logger, string lineagePath);
}
